"""Hong Kong romanisation of an article's Chinese (rag/text/romanise.py): what an English question's names spell."""

from __future__ import annotations

import pytest

from rag.answer import refuse
from rag.text import romanise
from rag.text.romanise import Romanised, person, spellings, spells_person, words_of

TEXT = "啟德體育園昨日舉行開幕典禮，行政長官李家超主禮。文化體育及旅遊局局長羅淑佩表示，體育園將成為香港的重要平台。"


def test_each_character_has_the_governments_spellings():
    assert "tak" in spellings("德") and "kai" in spellings("啟")
    assert {"lee", "li"} <= set(spellings("李"))
    assert spellings("A") == ()


def test_runs_of_two_or_more_words_spell_runs_of_characters():
    r = Romanised(TEXT)
    assert r.chinese_in("When did the Kai Tak Sports Park open?") == ["啟德"]
    assert r.chinese_in("What did Lee Ka-chiu say?") == ["李家超"]
    assert [(s.first, s.end) for s in r.spelled(words_of("Lee Ka-chiu"))] == [(0, 3)]


def test_one_word_counts_only_as_a_listed_persons_surname():
    alone = Romanised(TEXT)
    assert alone.chinese_in("What did John Lee say?") == []  # 李 alone, with no person listed: nothing
    people = Romanised(TEXT, people=["李家超", "羅淑佩"])
    assert people.chinese_in("What did John Lee say?") == ["李家超"]
    assert people.chinese_in("What did Rosanna Law say?") == ["羅淑佩"]
    # Everyday English that happens to be a romanisation (德 duck, 波 ball) names nothing by itself.
    assert people.chinese_in("What is the recipe for Peking Duck?") == []


def test_what_the_rest_of_the_corpus_says_too_is_not_a_name():
    r = Romanised(TEXT, elsewhere="香港特區政府")
    assert "香港" not in r.chinese_in("What will Hong Kong gain from the Kai Tak park?")
    assert r.chinese_in("What will Hong Kong gain from the Kai Tak park?") == ["啟德"]
    assert not Romanised("") and Romanised("").chinese_in("Kai Tak") == []


def test_the_refusal_gate_knows_spelled_names_and_still_refuses_others():
    r = Romanised(TEXT, people=["李家超"])
    assert refuse.unknown_english_names("What did John Lee say at Kai Tak?", TEXT) == ["John Lee", "Kai Tak"]
    assert refuse.unknown_english_names("What did John Lee say at Kai Tak?", TEXT, r) == []
    assert refuse.unknown_english_names("What did Lee Ka-chiu say?", TEXT, r) == []
    assert refuse.unknown_english_names("What did Donald Trump say about the stadium?", TEXT, r) == ["Donald Trump"]
    assert refuse.unknown_english_names("How much will the MTR fares rise?", TEXT, r) == ["MTR"]


@pytest.mark.parametrize(("chinese", "english"), [
    ("李家超", "Lee Ka-chiu"), ("羅淑佩", "Law Shuk-pui"), ("許正宇", "Hui Ching-yu"), ("楊潤雄", "Yeung Yun-hung"),
    ("麥美娟", "Mak Mei-kuen"), ("曾國衞", "Tsang Kwok-wai"), ("謝展寰", "Tse Chin-wan"), ("卓永興", "Cheuk Wing-hing"),
    ("蔡若蓮", "Choi Yeuk-lin"), ("鄧炳強", "Tang Ping-keung"), ("歐陽伯權", "Au-yeung Pak-kuen"),
    ("孫東", "Suen Tung"),
    # Spelled otherwise than their syllables' rule (sessions 24, 31): 振 Chun, 志 and 智 Chi, 華 Wah, 淑 Shuk, 樹 Shu.
    ("梁振英", "Leung Chun-ying"), ("黃志光", "Wong Chi-kwong"), ("林智文", "Lam Chi-man"), ("丘應樺", "Yau Ying-wah"),
    ("黃淑嫻", "Wong Shuk-han"), ("陳樹勳", "Chan Shu-fan"), ("何常樂", "Ho Sheung-lok"),
])
def test_a_persons_name_is_spelled_as_hong_kong_spells_it(chinese, english):
    # Hong Kong officials' names as the Government writes them (their English first names aside; 蔡若蓮 writes
    # Yuk, and 孫東 writes Sun Dong: rag/data/people.tsv has them).
    assert person(chinese) == english


def test_what_is_not_a_persons_name_is_not_spelled():
    assert person("行政長官") is None  # no surname
    assert person("李") is None and person("陳大文小明") is None  # no given name; too long


@pytest.mark.parametrize(("english", "chinese", "spells"), [
    ("Lee Ka-chiu", "李家超", True), ("John Lee Ka-chiu", "李家超", True), ("John Lee", "李家超", True),
    ("Rosanna Law", "羅淑佩", True), ("Rosanna Law Shuk-pui", "羅淑佩", True), ("Au-yeung Pak-kuen", "歐陽伯權", True),
    # What the bundled model wrote (another man's name; a surname and a given name that are not hers).
    ("Mr. Lee Ka-Shing", "李家超", False), ("Rosetta Pei", "羅淑佩", False), ("Lee", "李家超", False),
    ("Chief Executive", "行政長官", True),  # not a name code can spell: not judged
])
def test_a_persons_english_must_spell_their_name(english, chinese, spells):
    assert spells_person(english, chinese) is spells


def test_without_first_names_only_the_spelled_name_passes():
    assert spells_person("Ms. Ho Wing-chi", "何詠芝", first_name=False)
    assert not spells_person("Ms. Wendy Ho", "何詠芝", first_name=False)  # the model's choice of first name
    assert not spells_person("Wendy Ho Wing-chi", "何詠芝", first_name=False)
    assert spells_person("Ms. Wendy Ho", "何詠芝")  # in an answer, as the asker may name her
    assert not spells_person("Au", "歐陽伯權", first_name=False)  # a compound surname's first word only


@pytest.mark.parametrize(("chinese", "english"), [
    ("啟德體育園", "Kai Tak Sports Park"),  # a known place, then what it is
    ("將軍澳百勝角", "Tseung Kwan O Pak Sing Kok"),  # a known place, then the rest spelled
    ("香港仔", "Aberdeen"), ("深圳", "Shenzhen"),  # not spellings of their Cantonese
    ("元朗創新園", "Yuen Long InnoPark"),
    # A public housing estate and a court (the model wrote 沙田水泉澳邨 "Waterpaua Road, Sha Tin"; session 28).
    ("沙田水泉澳邨", "Sha Tin Shui Chuen O Estate"), ("石硤尾邨", "Shek Kip Mei Estate"),
    # A building by its old use (spelled "Chin Tsuen Wan Siu Fong Kuk"; session 30); 前海 is a place of its own.
    ("前荃灣消防局", "Former Tsuen Wan Fire Station"), ("前灣仔警署", "Former Wan Chai Police Station"),
    ("前海", "Qianhai"),
    # A station by its direction (spelled "Tsuen Wan Sai Station", session 32), unless the direction is a known
    # place's own (尖東 is Tsim Sha Tsui East).
    ("荃灣西站", "Tsuen Wan West Station"), ("深圳北站", "Shenzhen North Station"),
    ("尖東站", "Tsim Sha Tsui East Station"), ("東涌站", "Tung Chung Station"),
])
def test_a_place_is_written_as_hong_kong_writes_it(chinese, english):
    assert romanise.place(chinese) == english


@pytest.mark.parametrize("chinese", ["體育園", "大灣區內更多醫療機構的名單",
                                     # two districts and the land around them (spelled "Tuen Mun Kap Yuen Long Yat Tai")
                                     "屯門及元朗一帶", "新田一帶", "將軍澳與觀塘"])
def test_what_is_not_a_places_name_is_not_written(chinese):
    assert romanise.place(chinese) is None  # only what it is; too much to spell; more than one place


@pytest.mark.parametrize(("english", "chinese", "left_out"), [
    ("Leighton Park", "啟德體育園", ["啟德"]),
    ("Kowloon Bay, Wan Chai", "將軍澳百勝角", ["將軍澳"]),  # another district
    ("Tseung Kwan O Pak Shing Kok", "將軍澳百勝角", []),
    ("Indoor Sports Hall", "室內體育館", []),  # no known place: translated or spelled, code cannot tell
    ("HKMA", "香港金融管理局", []), ("Mainland institutions", "內地機構", []),  # HK for Hong Kong; "the" not needed
    ("Hong Kong Island", "香港仔", ["香港仔"]),  # the longest known place is the one judged
])
def test_a_names_english_must_keep_the_known_places_in_it(english, chinese, left_out):
    assert romanise.places_left_out(english, chinese) == left_out


def test_a_given_name_may_be_spelled_as_its_owner_spells_it():
    """若 is Yeuk in the table; 蔡若蓮 writes herself Choi Yuk-lin (the names prompt's own example), which code had
    replaced by Choi Yeuk-lin. A Mandarin spelling is still no Hong Kong one."""
    assert romanise.spells_person("Christine Choi Yuk-lin", "蔡若蓮")
    assert romanise.spells_person("Choi Yeuk-lin", "蔡若蓮")
    assert not romanise.spells_person("Mr. Su Kuo-shen", "蘇國生")
