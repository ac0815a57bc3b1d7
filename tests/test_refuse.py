"""The check before any model: does the question name something the article never mentions (rag.answer.refuse)?

Run on the real article. The everyday words are from questions written after the eval set, which this check
once refused as unknown terms; the names are of things the article does not cover.
"""

from __future__ import annotations

import pytest

from rag.answer import refuse

from .conftest import ARTICLE as ARTICLE_FILE

ARTICLE = ARTICLE_FILE.read_text(encoding="utf-8")


@pytest.mark.parametrize("question", [
    "聽講統計處下個月會出個新嘢，係咩嚟㗎？",          # 新嘢 → 新東西
    "咁個平台係俾邊個用㗎？可以用嚟做啲咩？",          # 用來做
    "香港微电子研发院那条第三代半导体中试线，建成后能起什么作用？",  # 建成後
    "AI效能提升组请专家评估完技术方案之后，下一步打算做什么？",    # 步打算做
    "沙嶺數據園幾時落成？",
])
def test_everyday_words_the_article_does_not_use_are_not_unknown_terms(question):
    assert refuse.unknown_chinese_terms(question, ARTICLE) == []


@pytest.mark.parametrize("question,term", [
    ("啟德體育園今年有冇新嘅支援措施？", "體育園"),
    ("今年差餉寬減幾多？", "寬減"),
    ("今年的印花稅有何調整？", "印花"),
    ("今年薪俸税退税多少？", "薪俸"),
    ("技能提升局的首任主席是谁？", "首任"),
])
def test_names_of_what_the_article_lacks_are_unknown_terms(question, term):
    unknown = refuse.unknown_chinese_terms(question, ARTICLE)
    assert any(term in t for t in unknown), unknown


@pytest.mark.parametrize("question,unknown", [
    ("Which industries could make use of the AI-driven robotics the InnoHK labs work on?", []),
    ("What is supposed to drive 'AI industrialisation, industrial AI-isation'?", []),
    ("How many people will the HK$50 million AI-training-for-all programme train?", []),
    ("What will the RISC-V alliance do?", []),
    ("What GDP growth does the Financial Secretary forecast?", ["GDP"]),
    ("Will the MTR get money for AI?", ["MTR"]),
    ("Is there money for the Kai Tak Sports Park?", ["Kai Tak Sports Park"]),
])
def test_english_names(question, unknown):
    assert refuse.unknown_english_names(question, ARTICLE) == unknown


def test_an_english_name_is_no_reason_to_refuse_over_an_article_the_model_named():
    """The model wrote 北環線 as "North Circular Road"; an English reader writes "Northern Link". Over an article
    whose English names a person wrote, the name is unknown and refused; over one the model named, it is not."""
    question = "When will construction of the Northern Link main line start?"
    assert refuse.judge(question, "en", 0.85, ARTICLE, 0.8).refuse
    verdict = refuse.judge(question, "en", 0.85, ARTICLE, 0.8, named_by_model=True)
    assert not verdict.refuse
    assert refuse.judge(question, "en", 0.5, ARTICLE, 0.8, named_by_model=True).refuse  # the scores still count


def test_a_question_naming_nothing_new_goes_on_to_the_scores():
    verdict = refuse.judge("沙嶺數據園下一步打算做什麼？", "cmn-Hant", 0.9, ARTICLE, 0.8)
    assert not verdict.refuse
    assert refuse.judge("沙嶺數據園下一步打算做什麼？", "cmn-Hant", 0.7, ARTICLE, 0.8).refuse


def test_a_percentage_asked_for_is_no_unknown_term():
    """佔多少百分比 asks for a figure the article writes as 43.8%: 百分比 names nothing the article lacks."""
    article = "符合本地大學最低入學要求的日校考生有20,170人，佔日校考生的43.8%。"
    assert refuse.unknown_chinese_terms("符合大学最低入学要求的日校考生占多少百分比？", article) == []
    assert refuse.unknown_chinese_terms("數學科的合格百分比是多少？", article) != []


WASTE = ("環境及生態局局長謝展寰表示，政府的目標是於2035年把回收率提升至55%。環境保護署（環保署）助理署長林志恒表示，"
         "環保署去年推出的「綠點鄰里回收網絡」發展理想。環境及生態局副局長黃淑嫻表示，環保署將於今年5月1日推出資助計劃。")


@pytest.mark.parametrize("question,lang", [("環保署署長是誰？", "cmn-Hant"), ("环保署署长是谁？", "cmn-Hans"),
                                           ("環保署署長係邊個？", "yue")])
def test_a_who_question_on_a_title_the_article_has_only_as_a_lesser_one_is_refused(question, lang):
    """The twelfth test article names the department's 助理署長, not its 署長: asked who the 署長 is, the model
    named the bureau's Secretary (session 26)."""
    verdict = refuse.judge(question, lang, 0.9, WASTE, 0.8)
    assert verdict.refuse and "助理署長" in verdict.reason


@pytest.mark.parametrize("question", ["環保署助理署長係邊個？", "環境及生態局副局長是誰？", "環境及生態局局長是誰？",
                                      "環保署署長講咗咩？"])
def test_a_title_the_article_writes_is_no_reason_to_refuse(question):
    assert refuse.lesser_title(question, WASTE) == ""
    assert not refuse.judge(question, "cmn-Hant", 0.9, WASTE, 0.8).refuse


TOURISM = ("香港旅遊業議會（議會）執行總幹事黃偉傑表示，去年經此簽注訪港的旅客約620萬人次。議會又指，團費按年上升。"
           "立法會主席李慧琼昨日表示支持。文化體育及旅遊局副局長劉震表示，郵輪旅遊去年錄得理想增長。")


@pytest.mark.parametrize("question,lang", [("香港旅遊業議會的主席是誰？", "cmn-Hant"),
                                           ("香港旅游业议会的主席是谁？", "cmn-Hans"), ("議會嘅主席係邊個？", "yue"),
                                           ("文化體育及旅遊局局長是誰？", "cmn-Hant")])
def test_a_who_question_on_a_title_no_sentence_naming_its_body_writes_is_refused(question, lang):
    """The thirteenth test article names the council's 執行總幹事 only; asked who its 主席 is, the model named him
    (session 27). The 主席 of another body (立法會) and the bureau's 副局長 say nothing of these titles."""
    assert refuse.unwritten_title(question, TOURISM)
    verdict = refuse.judge(question, lang, 0.9, TOURISM, 0.8)
    assert verdict.refuse and "title" in verdict.reason


@pytest.mark.parametrize("question", ["香港旅遊業議會的執行總幹事是誰？", "議會總幹事係邊個？", "立法會主席是誰？",
                                      "文化體育及旅遊局副局長係邊個？", "主席是誰？", "香港旅遊業議會的主席說了什麼？"])
def test_a_title_written_at_its_body_or_asked_of_no_body_is_no_reason_to_refuse(question):
    assert refuse.unwritten_title(question, TOURISM) == ""


ELDERLY = ("地區層面，位於沙田水泉澳邨的新長者地區中心將於今年9月1日投入服務。醫療券現時可在香港大學深圳醫院使用。"
           "旅客經赤鱲角機場來港。")


@pytest.mark.parametrize("question,lang,place", [
    ("元朗區的新長者地區中心何時投入服務？", "cmn-Hant", "元朗"),
    ("元朗区的新长者地区中心何时投入服务？", "cmn-Hans", "元朗"),
    ("元朗嗰間新長者地區中心幾時開？", "yue", "元朗"),
    ("When will the new elderly centre in Yuen Long open?", "en", "Yuen Long"),
    ("What is the toll at the Tai Lam Tunnel?", "en", "Tai Lam Tunnel")])
def test_a_place_the_articles_read_never_write_is_named(question, lang, place):
    """Beside the Budget article, which writes 元朗, the model read the elderly-care article, whose new centre is in
    沙田, and answered that 元朗區's centre opens on 9月1日 (session 28)."""
    assert refuse.unwritten_place(question, lang, ELDERLY) == place


@pytest.mark.parametrize("question,lang", [
    ("沙田的新長者地區中心何時投入服務？", "cmn-Hant"), ("香港有幾多長者？", "yue"),
    ("Which hospital in Shenzhen takes the voucher?", "en"),
    ("How many visitors came through Hong Kong International Airport?", "en"),  # 赤鱲角機場 is the same airport
    ("What did Lam Tin-fuk say?", "en"),  # a person's name, not the place 藍田
    ("醫療券可以喺邊度用？", "yue"),
    # Ordinary words, other names, a place across two words (目前|海外, not 前海), a facility written by its kind.
    ("How long is the Central Kowloon Route?", "en"), ("What did Stanley Ng say?", "en"),
    ("目前海外旅客有多少？", "cmn-Hant"), ("Which road leads to Hong Kong International Airport?", "en")])
def test_a_place_the_articles_write_or_no_place_is_no_reason_to_refuse(question, lang):
    assert refuse.unwritten_place(question, lang, ELDERLY) == ""


FLU = ("醫院管理局（醫管局）數字顯示，全港18間公立醫院急症室昨日共錄得7,126人次求診，"
       "其中位於葵涌的瑪嘉烈醫院錄得532人次。"
       "截至昨晚8時，位於油麻地的伊利沙伯醫院急症室病人最長須等候8小時，"
       "屯門醫院則約6小時。\n"
       "政府已成立啟德體育園管理委員會。主場館可容納5萬名觀眾。\n"
       "長者生活津貼每月金額由4,195元增至4,283元。")


@pytest.mark.parametrize("question,lang,names", [
    # The whole's 7,126 and another hospital's 532 are near figures of another thing: the sentence naming 伊利沙伯醫院
    # states no count (its 8時 is an hour of the day), so the article does not say.
    ("伊利沙伯醫院急症室尋日有幾多人次求診？", "yue", "伊利沙伯醫院"),
    ("伊利沙伯医院急症室昨日有多少人次求诊？", "cmn-Hans", "伊利沙伯醫院"),
    ("屯門醫院急症室昨日有多少人次求診？", "cmn-Hant", "屯門"),
    ("啟德體育園的門票要多少錢？", "cmn-Hant", "啟德"),
    ("How many people attended the A&E of Queen Elizabeth Hospital yesterday?", "en", "Queen Elizabeth Hospital"),
])
def test_a_figure_asked_of_a_name_no_sentence_naming_it_states_is_named(question, lang, names):
    assert refuse.unstated_figure(question, lang, FLU) == names
    assert refuse.judge(question, lang, 0.9, FLU, 0.8).refuse


WAGE = ("勞工及福利局宣布，法定最低工資將由每小時42.1元上調至43.6元。\n"
        "根據現行的年度檢討機制，新水平以現行水平乘以變動率計算。機制設有調整幅度上限4%及下限0.5%。\n"
        "勞工處將在觀塘巡查食肆。")


def test_the_one_name_of_its_kind_an_article_writes_is_what_each_of_its_sentences_is_about():
    """Asked the cap and floor of the minimum wage's review, answered 上限是4%，下限是0.5%, and turned down as
    another thing's figures (session 31): the paragraph giving them does not repeat 最低工資, but the article names
    no other scheme. The other article, apart by a blank line, is read as before."""
    both = WAGE + "\n\n" + FLU
    question = "現行最低工資年度檢討機制設定的調整幅度上限和下限分別是多少？"
    assert refuse.unstated_figure(question, "cmn-Hant", both) == ""
    assert refuse.figures_of_others(question, "cmn-Hant", "最低工資的調整幅度上限是4%，下限是0.5%。", both) == []
    assert refuse.unstated_figure("伊利沙伯醫院急症室尋日有幾多人次求診？", "yue", both) == "伊利沙伯醫院"
    # The one place of its article, 觀塘 is what each sentence is about; none of them states a count.
    assert refuse.unstated_figure("觀塘有幾多間食肆？", "yue", both) == "觀塘"


SEASONS = ("疫苗接種方面，今季合共已接種逾178萬劑疫苗，較去季同期的約172萬劑略高。65歲或以上長者的接種率為47.3%。\n"
           "衞生防護中心表示，流感活躍程度持續上升。上周錄得38宗爆發個案。")


@pytest.mark.parametrize("question,lang,answer,flagged", [
    # This season's rate, from the sentence after one that is about this season and compares with the last.
    ("去季同期65歲或以上長者的接種率是多少？", "cmn-Hant", "去季同期65歲或以上長者的接種率為47.3%。", ["去季: 47.3%"]),
    ("What was the vaccination rate of the elderly at the same time last season?", "en",
     "The rate was 47.3% last season.", ["去季: 47.3%"]),
    # Last season's figure, in a sentence naming it; this season's rate asked of this season.
    ("去季同期共接種了多少劑疫苗？", "cmn-Hant", "去季同期接種了約172萬劑。", []),
    ("今季65歲或以上長者的接種率是多少？", "cmn-Hant", "接種率為47.3%。", []),
    # A paragraph naming no season says nothing of which one its figures are.
    ("去季有多少宗爆發個案？", "cmn-Hant", "去季錄得38宗爆發個案。", []),
    # A question comparing seasons may be answered with either.
    ("今季接種率與去季相比如何？", "cmn-Hant", "今季長者接種率為47.3%。", []),
])
def test_a_figure_given_of_another_season_than_the_one_asked_is_named(question, lang, answer, flagged):
    assert refuse.figures_of_others(question, lang, answer, SEASONS) == flagged


@pytest.mark.parametrize("question,lang", [
    ("瑪嘉烈醫院急症室尋日有幾多人次求診？", "yue"),
    ("全港公立醫院急症室昨日共有多少人次求診？", "cmn-Hant"),
    ("伊利沙伯醫院急症室最長要等幾耐？", "yue"),  # a span of time, which its sentence states
    ("啟德體育園主場館可以容納幾多人？", "yue"),  # the next sentence of its paragraph names nothing else
    ("長生津每個月有幾多錢？", "yue"),  # the article's other form of the name
    ("伊利沙伯醫院位於哪裏？", "cmn-Hant"),  # no figure asked
    ("How many people attended the A&E of Princess Margaret Hospital?", "en"),
    ("沙田醫院急症室有幾多人次求診？", "yue"),  # a name the article never writes: the other checks' case
])
def test_a_figure_stated_in_a_sentence_naming_what_is_asked_is_no_reason_to_refuse(question, lang):
    assert refuse.unstated_figure(question, lang, FLU) == ""
