"""An answer to "how much money" must state an amount: rag.text.kinds and its use by the grounding check."""

from __future__ import annotations

import pytest

from rag.answer import ground
from rag.text import kinds

P_DATA_PARK = "沙嶺數據園第一期可提供約25萬平方米的樓面面積，預計明年落成。"
P_TRAINING = "政府將撥款5,000萬元，推動全民AI培訓。"
P_HEADLINE = "人工智能研發院今年運作 撥款5000萬挺全民AI培訓"


@pytest.mark.parametrize("question,lang,money", [
    ("全民AI培訓撥咗幾多錢？", "yue", True),
    ("呢個計劃用幾多錢？", "yue", True),
    ("沙嶺數據園嘅總投資係幾多？", "yue", True),
    ("政府為研發院撥款多少？", "cmn-Hant", True),
    ("新計劃帶動了多少私人投資？", "cmn-Hant", True),
    ("政府拨了多少钱支持AI培训？", "cmn-Hans", True),
    ("How much money goes to AI training?", "en", True),
    ("How much has the government earmarked for the centre?", "en", True),
    ("What is the total investment in the data park?", "en", True),
    # A price (session 27: the average room rate answered with the occupancy rate, 87%).
    ("去年香港酒店的平均房价是多少？", "cmn-Hans", True),
    ("一人單位嘅月租係幾多？", "yue", True),
    ("旅客平均每次入境消費多少？", "cmn-Hant", True),
    ("What was the average hotel room rate last year?", "en", True),
    ("What is the monthly rent of a one-person unit?", "en", True),
    ("What is the annual budget of the two laboratories?", "en", True),
    # Not money: a count, a share, an area, a time.
    ("InnoHK資助咗幾多間實驗室？", "yue", False),
    ("新型工業加速計劃的總投資中，私人投資佔多少？", "cmn-Hant", False),
    ("沙嶺數據園可以提供多少樓面面積？", "cmn-Hant", False),
    ("How much floor space will the data park provide?", "en", False),
    ("How much computing power will it have?", "en", False),
    ("研發院幾時開始運作？", "yue", False),
    ("去年酒店平均入住率是多少？", "cmn-Hant", False),
    ("What was the average hotel occupancy rate last year?", "en", False),
    ("消費券派咗幾多個人？", "yue", False),
    # Land a railway article reserves, not money (refused as "no amount" until session 21).
    ("政府在新田一帶預留多少土地作生態補償？", "cmn-Hant", False),
    ("How much land is reserved for ecological compensation?", "en", False),
    # A change, which a percentage answers as well (session 28: "about 8%" turned down as naming no amount).
    ("By how much have the trade's monthly tunnel costs gone up?", "en", False),
    ("How much did the fund's spending increase last year?", "en", False),
    # Money still: a fund named Growth, a cost of a change, a price risen to.
    ("How much money will the Growth Fund provide?", "en", True),
    ("How much will the policy change cost?", "en", True),
    ("How much will drivers pay after the toll rises?", "en", True),
])
def test_a_question_asking_how_much_money_is_told_apart(question, lang, money):
    assert kinds.asks_for_money(question, lang) is money


@pytest.mark.parametrize("answer,cited,ok", [
    ("政府撥款5,000萬元[1]。", [P_TRAINING], True),
    ("HK$50 million [1].", [P_TRAINING], True),
    ("政府撥咗5,000萬推全民AI培訓[1]。", [P_TRAINING], True),  # 元 dropped, but the passage gives it as money
    # Seen from the bundled model: an area, or a headline's bare figure, given as "the total investment".
    ("沙嶺數據園的總投資是25萬平方米樓面面積[1]。", [P_DATA_PARK], False),
    ("成立國際臨床試驗學院需要5000萬挺全民AI培訓[1]。", [P_HEADLINE], False),
    ("AI效能提升組會請AI專家及顧問[1]。", [P_TRAINING], False),
])
def test_an_answer_states_an_amount_of_money_or_not(answer, cited, ok):
    assert kinds.states_money(ground.strip_markers(answer), cited) is ok


def test_the_grounding_check_rejects_a_money_question_answered_without_an_amount():
    question = "沙岭数据园的总投资是多少？"
    wrong = ground.check("沙岭数据园的总投资是25万平方米楼面面积[1]。", [P_DATA_PARK], question, "cmn-Hans")
    assert not wrong.ok and kinds.NO_AMOUNT in wrong.problems
    # The same answer to a question about the floor area is grounded.
    right = ground.check("沙岭数据园可提供约25万平方米楼面面积[1]。", [P_DATA_PARK], "沙岭数据园可以提供多少楼面面积？",
                         "cmn-Hans")
    assert right.ok, right.problems


@pytest.mark.parametrize("question,lang,count", [
    ("AI效能提升組會請幾多個AI專家？", "yue", True),
    ("InnoHK资助了多少间实验室？", "cmn-Hans", True),
    ("新型工業加速計劃支持了幾個項目？", "cmn-Hant", True),
    ("How many labs has InnoHK funded?", "en", True),
    ("金管局與數碼港開展的是第幾期沙盒測試？", "cmn-Hant", False),  # an ordinal
    ("AI效能提升組撥幾多錢？", "yue", False),
])
def test_a_question_asking_how_many_is_told_apart(question, lang, count):
    assert kinds.asks_for_count(question, lang) is count


@pytest.mark.parametrize("answer,lacks", [
    # Seen from the bundled model, asked a count the article does not give.
    ("AI效能提升組會請AI專家及顧問[1]。", kinds.NO_COUNT),
    ("AI效能提升組會請10名AI專家[1]。", None),
    ("InnoHK已資助16間實驗室[1]。", None),
    ("It supports four projects [1].", None),
    ("It supports nearly 30 projects [1].", None),
    ("新型工業加速計劃支持了近30個項目[1]。", None),
    # A figure that is not a count: the quoted sentence answering how many experts the team will hire.
    ("上述撥款將分3年推行，首階段將引入AI專家及顧問[1]。", kinds.NO_COUNT),
    ("撥款1億元引入業界的領先技術[1]。", kinds.NO_COUNT),
])
def test_an_answer_to_how_many_must_state_a_figure(answer, lacks):
    question = "How many does it fund?" if answer.startswith("It") else "AI效能提升組會請幾多個AI專家？"
    lang = "en" if answer.startswith("It") else "yue"
    assert kinds.missing(question, lang, ground.strip_markers(answer), []) == lacks


@pytest.mark.parametrize("question,lang,answer,lacks", [
    # The eleventh test article does not say how many were arrested; the model gave the money intercepted.
    ("警方去年就詐騙案拘捕咗幾多人？", "yue", "拘捕咗約11.3億元騙款，較2024年增加三成。", kinds.NO_COUNT),
    ("How many people did the police arrest?", "en", "Intercepted HK$1.13 billion, up 30%.", kinds.NO_COUNT),
    ("警方去年就詐騙案拘捕咗幾多人？", "yue", "警方去年拘捕咗1,200人。", None),
    # A share asked for is answered by a percentage.
    ("長者個案有幾成涉及假冒官員？", "yue", "約四成。", None),
    ("騙案佔多少個百分比？", "cmn-Hant", "約四成。", None),
    ("瑪嘉烈醫院的內科病床住用率是多少？", "cmn-Hant", "住用率達108%。", None),  # a rate asked is a share
    # 幢 is a classifier; 新一批 is "a new batch", no count.
    ("第九期將推出多少幢歷史建築？", "cmn-Hant", "第九期將於今年9月推出，屆時會公布新一批建築物名單。", kinds.NO_COUNT),
    ("第九期將推出多少幢歷史建築？", "cmn-Hant", "第九期將推出3幢建築。", None),
    ("已開放項目去年有多少萬人次參觀？", "cmn-Hant", "約310萬人次。", None),
    ("瑪嘉烈醫院的內科病床住用率是多少？", "cmn-Hant", "病床住用率持續高企。", kinds.NO_COUNT),
    # An hour of the day is no count.
    ("伊利沙伯醫院急症室有幾多人次求診？", "yue", "截至昨晚8時，最長須等候8小時。", kinds.NO_COUNT),
    ("伊利沙伯醫院急症室有幾多人次求診？", "yue", "截至晚上8点，共有8人次求诊。", None),
    ("What percentage of cases involved fake officials? How many?", "en", "About 40%.", None),
    ("How many cases, as a share of all, involved fake officials?", "en", "About 40%.", None),
    ("How many per cent of cases involved fake officials?", "en", "About 40%.", None),
])
def test_a_percentage_answers_how_many_only_when_a_share_is_asked(question, lang, answer, lacks):
    assert kinds.missing(question, lang, answer, []) == lacks


@pytest.mark.parametrize("question,author", [
    ("這篇預算案主稿由哪兩位記者撰寫？", True),
    ("Which reporters wrote the main story?", True),
    ("呢篇報道係邊個記者寫㗎？", True),
    ("想搵啲航天公司嚟香港發展，係邊個負責牽頭㗎？", False),
    ("咁個平台係俾邊個用㗎？", False),
    ("Who will run the manufacturing innovation centre?", False),
])
def test_a_question_about_who_wrote_the_story(question, author):
    assert kinds.asks_for_author(question) is author


P_CENTRE = "不過，要正式獲批成為國家製造業創新中心，仍需接受國家相關部門評估與考核，預計需時1年至3年。"


@pytest.mark.parametrize("question,lang,duration", [
    ("香港嗰個製造業創新中心要幾耐先可以正式批做國家級？", "yue", True),
    ("AI效能提升組撥幾多錢？分幾多年用？", "yue", True),
    ("資助大學新增STEAM學士學位課程的計劃為期多久？", "cmn-Hant", True),
    ("AI效能提升組的撥款分幾年推行？", "cmn-Hant", True),
    ("要正式获批成为国家制造业创新中心需要多长时间？", "cmn-Hans", True),
    ("How long will the assessment take?", "en", True),
    ("How much is the team getting, and over what period?", "en", True),
    ("How many years will the scheme run?", "en", True),
    # When, not how long; a school year, not a span.
    ("研發院幾時開始運作？", "yue", False),
    ("去年酒店平均入住率是多少？", "cmn-Hant", False),
    ("What was the average hotel occupancy rate last year?", "en", False),
    ("消費券派咗幾多個人？", "yue", False),
    ("計劃從哪一學年開始？", "cmn-Hant", False),
    ("When will the institute start operating?", "en", False),
    ("How many projects has the scheme approved?", "en", False),
])
def test_a_question_asking_how_long_is_told_apart(question, lang, duration):
    assert kinds.asks_for_duration(question, lang) is duration


def test_the_grounding_check_rejects_a_how_long_question_answered_with_a_point_in_time():
    """Seen from the bundled model: asked how long approval as a national centre takes, it answered when the
    centre starts (預計可於今年內啟動), a point in time from the passage before."""
    question = "香港嗰個製造業創新中心要幾耐先可以正式批做國家級？"
    started = P_CENTRE + "預計可於今年內啟動。"
    wrong = ground.check("個製造業創新中心預計可於今年內啟動[1]。", [started], question, "yue")
    assert not wrong.ok and kinds.NO_DURATION in wrong.problems
    right = ground.check("要1年至3年[1]。", [P_CENTRE], question, "yue")
    assert right.ok, right.problems
    # "How many years" is answered by a span of years, not held to a count too.
    assert kinds.missing("How many years will it take?", "en", "It will take 1 to 3 years.", [P_CENTRE]) is None


@pytest.mark.parametrize("question,lang,answer,lacks", [
    # Minutes and hours are spans of time: 約15分鐘 answered "how long" and was refused as giving none.
    ("通車之後由元朗去古洞要幾耐？", "yue", "通車之後由元朗去古洞要約15分鐘[1]。", None),
    ("How long will the journey from Yuen Long to Kwu Tung take?", "en", "About 15 minutes [1].", None),
    ("會議需要多少小時？", "cmn-Hant", "會議需時約1.5小時[1]。", None),
    ("How many hours will it take?", "en", "It opens in 2034 [1].", kinds.NO_DURATION),
    ("通車之後由元朗去古洞要幾耐？", "yue", "北環線於2034年通車[1]。", kinds.NO_DURATION),
])
def test_minutes_and_hours_answer_how_long(question, lang, answer, lacks):
    assert kinds.missing(question, lang, ground.strip_markers(answer), []) == lacks


@pytest.mark.parametrize("question,duration", [
    ("有多少日校考生符合本地大學最低入學要求？", False),  # 日校, a day school: a count, once refused as no span of time
    ("有幾多年輕人參加？", False),
    ("要等多少日？", True),
    ("計劃為期幾年？", True),
])
def test_a_day_school_is_not_a_span_of_days(question, duration):
    assert kinds.asks_for_duration(question, "cmn-Hant") is duration


@pytest.mark.parametrize("question,lang,answer,lacks", [
    # Asked when the Night Vibes events start (the thirteenth article does not say): where they are held (session 27).
    ("When will the Night Vibes Hong Kong 2.0 events start?", "en",
     "The Night Vibes Hong Kong 2.0 events will start in Tsim Sha Tsui, Wan Chai, and Mong Kok [1].", True),
    ("夜繽紛幾時開始？", "yue", "夜繽紛喺尖沙咀、灣仔同旺角舉行[1]。", True),
    ("夜缤纷什么时候开始？", "cmn-Hans", "夜缤纷在尖沙咀举行[1]。", True),
    # A date, a period, a time of day or a word of time answers it.
    ("研發院幾時開始運作？", "yue", "研發院將於下半年投入運作[1]。", False),
    ("招標結果什麼時候公布？", "cmn-Hant", "招標結果將於短期內公布[1]。", False),
    ("啲錢幾時先會發放？", "yue", "撥款會喺新中心正式成為國家製造業創新中心後先發放[1]。", False),
    ("颱風白鹿何時最接近香港？", "cmn-Hant", "颱風「白鹿」昨日上午9時最接近香港 [1]。", False),
    ("When did the Observatory issue the No. 8 signal?", "en",
     "The article says (quoted in the original Chinese): 「天文台昨日凌晨2時20分發出八號信號。」[1]", False),
    ("On what date will the scheme launch?", "en", "It launches on 1 March [1].", False),
    # Not a "when" question.
    ("What changes are coming to VTC programmes when it comes to AI?", "en", "VTC courses will cover AI [1].", False),
])
def test_an_answer_to_when_must_say_something_of_when(question, lang, answer, lacks):
    assert (kinds.missing(question, lang, answer, []) == kinds.NO_TIME) is lacks


@pytest.mark.parametrize("question,answer,other", [
    # Asked the year before last, of an article giving last year's figure only (session 28).
    ("前年有多少名长者使用过长者医疗券？", "去年约172万名合资格长者曾使用医疗券 [1]。", "去年 for 前年"),
    ("舊年有幾多人用醫療券？", "今年約有172萬人使用醫療券[1]。", "今年 for 去年"),
    ("How many used it the year before last?", "About 1.72 million used it last year [1].", "去年 for 前年"),
    # The year asked is named, or the answer names none by where it stands.
    ("去年有幾多人用醫療券？", "去年約172萬人[1]，較前年上升[1]。", ""),
    ("How many used it last year?", "About 1.72 million in 2025 [1].", ""),
    ("醫療券有幾多人用？", "去年約172萬人[1]。", ""),
    ("前年輪候護養院宿位要等幾耐？", "去年平均要等約18個月[1]。", "去年 for 前年"),  # a span of time asked too
    # Not a year (目前年滿, 以上年齡), or a year compared with.
    ("目前年滿65歲的長者有多少人？", "去年約172萬名長者[1]。", ""),
    ("與去年相比，訪港旅客增加了多少？", "今年首季訪港旅客按年增加12%[1]。", ""),
    ("How many visitors came, compared with last year?", "About 49.5 million visitors came this year [1].", ""),
])
def test_an_answer_of_another_year_than_asked_is_named(question, answer, other):
    assert kinds.other_year(question, answer) == other
    lang = "en" if question.isascii() else "cmn-Hans"
    assert kinds.missing(question, lang, answer, [answer]) == (f"{kinds.NO_YEAR}: {other}" if other else None)


@pytest.mark.parametrize("question,lang,units", [
    ("三條過海隧道嘅新分時段收費方案係幾時開始實施㗎？", "yue", kinds.TIME_UNITS),
    ("全民AI培訓撥咗幾多錢？", "yue", frozenset({"HKD", "CNY", "USD"})),
    ("至今共有多少家机构参与过沙盒测试？", "cmn-Hans", kinds.COUNT_UNITS - {"percent"}),
    ("How many of the applications came from overseas, as a percentage?", "en", kinds.COUNT_UNITS),
    ("How long does the approval take?", "en", kinds.DURATION_UNITS),
    ("AI+與產業發展策略委員會由誰主持？", "cmn-Hant", frozenset()),
])
def test_the_units_of_a_figure_that_answers_a_question(question, lang, units):
    """What extractive.ranked prefers in a quoted sentence (session 29)."""
    assert kinds.asked_units(question, lang) == units


@pytest.mark.parametrize("question,lang,answer", [
    ("審批需要多少個工作天？", "cmn-Hant", "審批需要5個工作天[1]。"),  # a span of working days, not a count
    ("How many working days does approval take?", "en", "It takes 5 working days [1]."),
])
def test_working_days_answer_how_many_working_days(question, lang, answer):
    assert kinds.missing(question, lang, answer, [answer]) is None
