"""Made-up Hong Kong technology news, for measuring a corpus that grows (``rag.ops.growth``).

``article(i)`` is the i-th article of a seeded series: plain Markdown in traditional Chinese (a ``#`` headline,
3-6 paragraphs, one or two ``##`` headings), from templates with varied subjects, bodies, places, people and
figures. They are distractors for the Budget article (corpus/*.txt): they talk in its vocabulary (AI, 創科,
基金, 億元, 園區, 研發, 算力, 培訓 …), so a search that finds the Budget article's passages among them has found
them on their content, not on a vocabulary no other article uses. They never state its facts: no name of the
Budget article's bodies, places, schemes or people (``BUDGET_NAMES``), and no figure it gives (every figure
with a unit in it, read from the file, ``forbidden``); an article that drew one is drawn again.
Nor do they name what the eval set's unanswerable questions ask about (啟德體育園, 差餉, 薪俸稅 …): a distractor
that answered one would turn it answerable, and the refusal figures would no longer mean what they say.

Why templates and not a model: the series must be the same on every machine and run (a test checks it), cost
nothing to make, and be free of any real organisation's made-up news: bodies and people are invented;
places are real districts.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

from rag.config import ROOT

SEED = 27
BUDGET = next((ROOT / "corpus").glob("*.txt"), ROOT / "corpus" / "wenweipo-budget-2026-ai-new-industries.txt")

#: The Budget article's own names (bodies, places, schemes, people) that no generated article may use.
BUDGET_NAMES: tuple[str, ...] = (
    "陳茂波", "楊盈盈", "陸雅楠", "黃艾力", "文匯報", "產策會", "策略委員會", "人工智能研發院", "效能提升組",
    "金融管理局", "數碼港", "再培訓局", "技能提升局", "職業訓練局", "優質教育基金", "引導基金", "港投公司",
    "香港投資管理", "國家航天局", "全國重點實驗室", "公務員學院", "數字政策辦公室", "微電子", "元朗", "沙嶺",
    "InnoHK", "人工智能資助計劃", "智』啟學教", "創新及科技基金", "專題研究計劃", "新型工業化資助計劃",
    "新型工業加速計劃", "菁英企業", "小巨人", "數字教育發展藍圖", "素養學習架構", "十五五", "國際創科展",
    "臨床試驗", "RISC-V", "國家製造業創新中心", "第三代半導體", "中試線", "沙盒",
)
#: What the eval set's unanswerable questions ask about: no generated article may answer them.
UNANSWERED_SUBJECTS: tuple[str, ...] = (
    "啟德", "體育園", "北部都會區", "差餉", "薪俸稅", "印花稅", "電費", "消費券", "本地生產總值", "GDP",
    "財政赤字", "6G", "量子", "恒生指數", "拉麵",
)

_FIGURE = re.compile(r"\d[\d,.]*\s*(?:億元|萬元|億|萬|平方米|公頃|間|個|條|項|名|家|所|%)")


@lru_cache(maxsize=1)
def forbidden(budget: Path = BUDGET) -> tuple[str, ...]:
    """Strings no generated article may contain: the Budget article's names, the subjects of the eval set's
    unanswerable questions, and every figure with a unit the Budget article gives (5,000萬元, 25萬 …)."""
    figures = set(_FIGURE.findall(budget.read_text(encoding="utf-8"))) if budget.exists() else set()
    return (*BUDGET_NAMES, *UNANSWERED_SUBJECTS, *sorted(figures))


# --------------------------------------------------------------------------------------------------
# What an article is made of. {slots} are filled from the pools below, one draw per article.

PLACES = ("將軍澳", "沙田", "大埔", "東涌", "觀塘", "九龍灣", "荃灣", "屯門", "火炭", "葵涌", "長沙灣", "洪水橋",
          "粉嶺", "天水圍", "西九龍", "黃竹坑", "柴灣", "青衣", "馬鞍山", "白石角")
FIELDS = ("人工智能", "生物科技", "金融科技", "機械人", "半導體設計", "新能源", "智慧物流", "數據科學", "醫療科技",
          "綠色建築", "低空經濟", "區塊鏈", "先進材料", "智能製造")
SECTORS = ("物流", "零售", "銀行", "保險", "建造", "酒店", "公共交通", "物業管理", "法律服務", "餐飲", "安老服務")
ORGS = ("港九創新科技商會", "香港機械人產業協會", "本港數據中心業界聯盟", "香港生物醫藥研究基金會", "新界科技創業中心",
        "香港綠色能源研究院", "城東物流科技集團", "東方數碼醫療有限公司", "香港金融科技促進會", "九龍智能製造中心",
        "香港低空經濟發展聯盟", "香港晶片設計協會", "維港創投基金", "南區海洋科技研究所", "香港智慧建築學會",
        "匯新資訊科技有限公司", "香港應用數據研究中心", "港深科研合作平台", "香港長者科技協會", "嶺南雲端服務公司")
SURNAMES = "陳李張黃何梁林吳鄭馮蔡許郭曾羅謝葉潘盧麥"
GIVEN = ("志明", "嘉欣", "家豪", "詠詩", "俊傑", "美玲", "國強", "慧敏", "子健", "曉彤", "偉文", "淑儀", "浩然",
         "穎琳", "振邦", "綺雯", "卓謙", "凱琪")
TITLES = ("主席", "行政總裁", "總監", "教授", "院長", "董事總經理", "創辦人", "副主席", "研究主任", "營運總監")
WHEN = ("今年第三季", "今年底", "明年上半年", "明年年中", "後年初", "兩年內", "本月內", "年內")
FACILITIES = ("研發大樓", "測試中心", "算力中心", "培育中心", "展示廳", "數據實驗室", "共享工作間", "生產基地")
PRODUCTS = ("智能倉儲系統", "自動駕駛接駁車", "送貨無人機", "AI客服平台", "智能診斷系統", "電池管理系統",
            "遙距監測手環", "語音翻譯耳機", "巡檢機械人", "碳排放監測平台")
MONEY_YI = ("2.8", "3.6", "4.2", "6", "8", "12", "18", "24", "36", "48", "64", "80")
MONEY_WAN = ("300", "480", "800", "1,200", "2,400", "3,800", "6,800")

TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "park": {
        "headline": ("{place}創科園第二期動工 {money}建{facility}", "{place}{field}園區擴建 料{when}落成",
                     "{org}{place}園區新{facility}啟用"),
        "lede": ("{org}昨日宣布，位於{place}的創科園區第二期工程正式動工，預計投資{money}興建{facility}，"
                 "目標吸引更多{field}企業進駐。",
                 "為配合{field}產業發展，{org}計劃擴建{place}園區，新增{area}樓面面積，"
                 "預計{when}落成，屆時可容納約{count}間企業。"),
        "body": ("{title}{person}表示，園區現時租用率已超過{pct}，不少企業輪候入駐，擴建有迫切需要。",
                 "新{facility}將設有共用實驗室及算力設施，讓初創企業以較低成本測試產品。",
                 "園區亦會引入智能管理系統，以AI分析人流及能源使用，預計每年可節省約{pct}電力。",
                 "{org}會優先考慮與本地大學合作的項目，並提供首兩年租金優惠。",
                 "目前已有{count}間公司表示有意進駐，當中約三分之一來自海外及內地。",
                 "區議員關注工程對附近交通的影響，{org}回應指會在繁忙時段限制工程車輛出入。"),
        "heading": ("擴建吸引企業", "共用設施", "交通安排", "租金優惠"),
        "field": ("人工智能", "生物科技", "智能製造", "先進材料", "數據科學"),
        "org": ("新界科技創業中心", "九龍智能製造中心", "港九創新科技商會", "香港應用數據研究中心"),
    },
    "fund": {
        "headline": ("{org}推{money}{field}基金 助初創拓市場", "{money}新基金聚焦{field} 每項最多資助{money2}",
                     "{field}投資基金成立 {person}：首批{when}出爐"),
        "lede": ("{org}昨日宣布成立規模{money}的{field}投資基金，以配對形式投資本地初創企業，"
                 "協助它們把研發成果推出市場。",
                 "為支持{field}企業發展，{org}推出總值{money}的資助基金，每個項目最多可獲{money2}，"
                 "首輪申請將於{when}展開。"),
        "body": ("{title}{person}指出，基金會以商業原則運作，投資決定由獨立委員會作出。",
                 "基金首階段會集中投資處於A輪至B輪融資的企業，並要求企業在港設立研發團隊。",
                 "申請企業須在港註冊並有實際營運，研發開支佔營業額不少於{pct2}。",
                 "基金預計可帶動超過{money2}私人投資，並創造約{count}個職位。",
                 "{org}會每半年公布投資組合，以提高透明度。",
                 "有創投界人士認為，基金規模不算大，但對早期企業而言，政府背景的投資有助吸引其他投資者。"),
        "heading": ("配對投資", "申請資格", "帶動私人投資", "業界反應"),
        "field": ("人工智能", "金融科技", "生物科技", "低空經濟", "區塊鏈"),
        "org": ("維港創投基金", "香港金融科技促進會", "港九創新科技商會", "港深科研合作平台"),
    },
    "ai_sector": {
        "headline": ("{sector}業引入AI {org}料年省{money2}", "AI走進{sector}業 {count}間企業參與試點",
                     "{sector}業數碼轉型 {person}倡加快應用AI"),
        "lede": ("愈來愈多{sector}企業引入人工智能技術。{org}昨日公布調查，指業界約{pct}企業已使用AI處理日常工作，"
                 "較去年明顯上升。", "{org}聯同{count}間{sector}企業展開AI應用試點計劃，以{product}提升效率，"
                 "預計每年可節省營運成本約{money2}。"),
        "body": ("{title}{person}表示，AI最常用於客戶查詢、排班及文件處理，能減輕前線員工的工作量。",
                 "不過，不少中小企仍擔心數據私隱及系統保安，亦缺乏懂得使用AI工具的員工。",
                 "試點計劃會為參與企業提供技術支援，並安排員工接受為期六星期的培訓。",
                 "調查亦發現，約{pct}受訪企業計劃未來一年增加AI相關投資。",
                 "{org}建議政府資助中小企購買AI系統，並制定行業指引，協助企業負責任地應用AI。",
                 "有工會代表擔心AI會取代部分職位，要求企業為受影響員工提供再培訓。"),
        "heading": ("中小企的顧慮", "試點安排", "人手與培訓", "業界建議"),
        "product": ("AI客服平台", "智能倉儲系統", "語音翻譯耳機", "智能排班系統"),
        "org": ("港九創新科技商會", "香港金融科技促進會", "匯新資訊科技有限公司", "香港應用數據研究中心"),
    },
    "lab": {
        "headline": ("{org}成立{field}實驗室 聚焦{product}", "{field}實驗室{place}開幕 {person}領導研發",
                     "{money}建{field}研究平台 {org}夥拍企業"),
        "lede": ("{org}昨日在{place}成立{field}實驗室，獲{money}資助，未來五年將集中研發{product}，"
                 "並與本地企業合作把成果產業化。",
                 "{org}宣布與多間企業合作，投放{money}建立{field}研究平台，由{title}{person}領導，"
                 "首批研究項目{when}展開。"),
        "body": ("實驗室將招聘約{count}名研究人員，當中包括博士後研究員及工程師。",
                 "{person}表示，研究團隊已完成{product}的原型，正進行實地測試，目標{when}推出市場。",
                 "實驗室亦會開放部分設施予大學生使用，培育{field}人才。",
                 "合作企業會派員參與研發，並優先取得相關技術的使用權。",
                 "研究平台會建立共享數據庫，讓參與機構在保障私隱的前提下共用數據。",
                 "{org}期望透過平台吸引海外科研人員來港，強化本港在{field}方面的研發實力。"),
        "heading": ("研發重點", "人才培育", "產學研合作", "成果轉化"),
        "field": ("人工智能", "機械人", "生物科技", "先進材料", "醫療科技", "半導體設計"),
        "product": ("巡檢機械人", "智能診斷系統", "電池管理系統", "送貨無人機", "遙距監測手環"),
        "org": ("香港應用數據研究中心", "南區海洋科技研究所", "香港生物醫藥研究基金會", "香港綠色能源研究院"),
    },
    "training": {
        "headline": ("{org}推{field}人才培訓 名額{count}個", "{money2}培訓{field}人才 {when}開課",
                     "{field}人才短缺 {person}：培訓要貼近業界"),
        "lede": ("為紓緩{field}人才短缺，{org}推出新一輪培訓計劃，提供{count}個名額，"
                 "學員完成課程後可獲轉介至合作企業工作。",
                 "{org}宣布撥出{money2}，為在職人士提供{field}培訓課程，課程{when}開課，學費全免。"),
        "body": ("課程為期三個月，內容包括數據分析、AI工具應用及專題項目，由業界導師任教。",
                 "{title}{person}指出，本港{field}職位空缺持續增加，但合資格人才供應不足。",
                 "完成課程的學員可獲發證書，表現優異者更有機會獲企業聘用。",
                 "計劃亦特別為中年轉職人士設立名額，協助他們掌握新技能。",
                 "去年首輪計劃的學員中，約{pct}在完成課程半年內找到相關工作。",
                 "有意報名人士可於{org}網站遞交申請，名額有限，先到先得。"),
        "heading": ("課程內容", "就業前景", "轉職人士", "報名安排"),
        "field": ("人工智能", "數據科學", "金融科技", "智能製造", "網絡安全"),
        "org": ("港九創新科技商會", "香港應用數據研究中心", "匯新資訊科技有限公司", "香港長者科技協會"),
    },
    "datacentre": {
        "headline": ("{place}新數據中心落成 提供{area}", "算力需求急增 {org}{money}擴建數據中心",
                     "{org}數據中心用上液冷技術 耗電減{pct}"),
        "lede": ("{org}位於{place}的新數據中心昨日落成，提供約{area}樓面面積，主要為AI模型訓練提供算力服務。",
                 "因應AI應用帶動算力需求，{org}宣布投資{money}擴建數據中心，新增設施預計{when}投入服務。"),
        "body": ("{title}{person}表示，中心採用液冷技術，比傳統風冷系統節省約{pct}電力。",
                 "數據中心已獲多間金融機構及科技企業預訂，首期容量的使用率已超過一半。",
                 "中心設有後備電源及多條光纖網絡，以確保服務穩定。",
                 "業界估計，本港未來數年的算力需求將以每年雙位數增長，數據中心用地供應緊張。",
                 "{org}亦會把部分算力以優惠價格提供予大學及初創企業作研究用途。",
                 "環保團體則關注數據中心的用電及用水量，要求營運商定期公布能源數據。"),
        "heading": ("節能設計", "算力需求", "支援初創", "環保關注"),
        "field": ("人工智能", "數據科學", "雲端運算"),
        "org": ("本港數據中心業界聯盟", "嶺南雲端服務公司", "匯新資訊科技有限公司"),
    },
    "startup": {
        "headline": ("本地{field}初創完成{money}融資", "{product}初創獲注資 {person}：{when}進軍東南亞",
                     "{org}孵化初創 {count}間企業畢業"),
        "lede": ("本地{field}初創企業昨日宣布完成新一輪{money}融資，由{org}領投，"
                 "資金將用於擴充研發團隊及開拓海外市場。",
                 "由{person}創立的初創企業研發{product}，近日獲{org}注資{money2}，計劃{when}把業務拓展至東南亞。"),
        "body": ("{title}{person}表示，公司成立三年，員工人數已由五人增至{count}人。",
                 "公司的{product}已在本港多個屋苑及商場試用，客戶包括物業管理公司及連鎖零售商。",
                 "新資金約一半會投放於研發，其餘用作招聘及市場推廣。",
                 "{person}坦言，初創企業在港招聘工程師並不容易，薪酬開支佔總成本逾{pct}。",
                 "{org}表示，看好本港{field}市場的增長潛力，未來會繼續物色具潛力的初創企業。",
                 "公司亦計劃於大灣區設立辦事處，以便與內地供應商合作。"),
        "heading": ("資金用途", "人才挑戰", "拓展市場", "投資者看法"),
        "field": ("人工智能", "智慧物流", "醫療科技", "金融科技", "低空經濟"),
        "product": ("送貨無人機", "智能倉儲系統", "AI客服平台", "遙距監測手環", "語音翻譯耳機", "自動駕駛接駁車"),
        "org": ("維港創投基金", "港深科研合作平台", "新界科技創業中心"),
    },
    "green": {
        "headline": ("{place}試行{product} 減碳{pct}", "{org}推綠色科技 {money}資助企業減排",
                     "新能源車充電網絡擴展 {place}增{count}個充電位"),
        "lede": ("{org}昨日在{place}展開試驗計劃，以{product}監測及管理區內建築物的能源使用，目標減少碳排放約{pct}。",
                 "為推動綠色轉型，{org}推出{money}資助計劃，協助企業購置節能設備及引入{product}。"),
        "body": ("{title}{person}表示，試驗為期一年，會收集數據評估成效，再決定是否推廣至其他地區。",
                 "系統會以AI預測用電高峰，自動調節冷氣及照明，減少浪費。",
                 "計劃下每間企業最多可獲{money2}資助，申請須提交節能方案及預計減排量。",
                 "{org}預計，計劃可帶動約{count}間企業參與，每年減少碳排放數以萬噸計。",
                 "有物業管理公司表示，節能設備前期投資大，資助有助縮短回本期。",
                 "環保團體歡迎計劃，但認為應同時訂立更進取的減排目標。"),
        "heading": ("試驗安排", "資助詳情", "減排成效", "各界意見"),
        "field": ("新能源", "綠色建築", "人工智能"),
        "product": ("碳排放監測平台", "智能電網系統", "電池管理系統"),
        "org": ("香港綠色能源研究院", "香港智慧建築學會", "本港數據中心業界聯盟"),
    },
    "health": {
        "headline": ("{org}以AI輔助診斷 等候時間縮短{pct}", "{product}{place}醫院試用 {person}：準確度達九成",
                     "醫療科技新平台啟用 {money}支援臨床研究"),
        "lede": ("{org}與{place}一間醫院合作，引入{product}協助醫生分析影像，"
                 "試用半年後，病人等候報告的時間縮短約{pct}。",
                 "{org}昨日啟用醫療科技研究平台，投資{money}，支援醫院與科研機構合作研發{product}。"),
        "body": ("{title}{person}強調，AI只作輔助，最終診斷仍由醫生負責。",
                 "系統以過去數年的匿名病歷訓練，所有數據均經去識別化處理。",
                 "醫院計劃{when}把系統推廣至急症室及專科門診。",
                 "有病人組織關注系統出錯時的責任誰屬，要求當局訂立清晰指引。",
                 "平台亦會資助約{count}個研究項目，涵蓋慢性病管理及長者護理。",
                 "業界認為，本港醫療數據質素高，有條件發展成區內醫療科技樞紐。"),
        "heading": ("臨床應用", "私隱保障", "推廣計劃", "病人關注"),
        "field": ("醫療科技", "人工智能", "生物科技"),
        "product": ("智能診斷系統", "遙距監測手環", "AI影像分析系統"),
        "org": ("東方數碼醫療有限公司", "香港生物醫藥研究基金會", "香港長者科技協會"),
    },
    "manufacturing": {
        "headline": ("{place}智能生產線投產 {org}：產能增{pct}", "{org}{money}建智能工廠 聘{count}名技術員",
                     "本地製造業升級 {product}由{place}出廠"),
        "lede": ("{org}位於{place}的智能生產線昨日投產，以機械人及AI質量檢測系統生產{product}，產能較舊廠增加約{pct}。",
                 "{org}宣布投資{money}在{place}興建智能工廠，預計{when}投產，將聘請約{count}名技術員。"),
        "body": ("{title}{person}表示，生產線高度自動化，每條線只需數名員工監察。",
                 "工廠採用數碼孿生技術，可在電腦上模擬生產流程，及早發現問題。",
                 "公司會與職業培訓機構合作，為員工提供機械人操作及維修課程。",
                 "{person}指出，本港製造業要重新發展，關鍵在於高增值及自動化生產。",
                 "產品除供應本地市場外，亦會出口至歐洲及東南亞。",
                 "有業界人士認為，本港土地及人力成本高，智能生產是製造業回流的唯一出路。"),
        "heading": ("自動化生產", "人手培訓", "出口市場", "製造業回流"),
        "field": ("智能製造", "機械人", "先進材料", "半導體設計"),
        "product": ("電池管理系統", "巡檢機械人", "醫療用口罩", "電動單車零件", "智能手錶"),
        "org": ("九龍智能製造中心", "城東物流科技集團", "香港晶片設計協會"),
    },
}


def _money(rng: random.Random) -> str:
    return f"{rng.choice(MONEY_YI)}億元"


def _slots(rng: random.Random, topic: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """One article's names and figures, drawn once so its paragraphs agree with each other; the field, product
    and first body from the topic's own lists where it has them (a hospital trial is of a diagnostic system)."""
    org = rng.choice(topic.get("org", ORGS))
    org2, org3 = rng.sample([o for o in ORGS if o != org], 2)
    person, person2, person3 = (rng.choice(SURNAMES) + g for g in rng.sample(GIVEN, 3))
    return {
        "place": rng.choice(PLACES), "field": rng.choice(topic.get("field", FIELDS)), "sector": rng.choice(SECTORS),
        "org": org, "org2": org2, "org3": org3, "person": person, "person2": person2, "person3": person3,
        "title": rng.choice(TITLES), "title2": rng.choice(TITLES), "title3": rng.choice(TITLES),
        "when": rng.choice(WHEN), "facility": rng.choice(FACILITIES),
        "product": rng.choice(topic.get("product", PRODUCTS)),
        "money": _money(rng), "money2": f"{rng.choice(MONEY_WAN)}萬元", "money3": f"{rng.choice(MONEY_WAN)}萬元",
        "area": f"{rng.choice(('1.8', '3.2', '4.6', '6.4', '8.8'))}萬平方呎",
        "count": str(rng.choice((18, 36, 42, 64, 85, 140, 260, 380))), "count2": str(rng.choice((24, 48, 70, 90, 150))),
        "pct": f"{rng.choice((12, 18, 22, 35, 40, 65))}%", "pct2": f"{rng.choice((8, 14, 28, 45))}%",
    }


#: What others said: one line from a second speaker, then one from a third voice, never the same person twice.
REACTIONS = (
    "{org2}{title2}{person2}表示，歡迎有關安排，期望計劃盡快落實，讓更多中小企受惠。",
    "{person2}（{org2}{title2}）認為，{field}發展需要長期投入，單靠一次性撥款難以持續。",
    "{org2}{title2}{person2}則提醒，新技術推出前須做好測試，避免影響市民日常生活。",
)
OTHER_VOICES = (
    "有業界人士指出，本港{field}人才仍然短缺，不少企業須從外地招聘。",
    "{org3}{title3}{person3}又建議當局簡化審批程序，讓企業可更快把新技術投入應用。",
    "有學者則認為，計劃的成效要視乎能否留住人才，建議同時檢討相關配套。",
    "{person3}（{org3}{title3}）關注計劃能否惠及中小企，希望申請門檻不要定得太高。",
)
CLOSINGS = (
    "{org}預計有關工作將於{when}完成，詳情稍後公布。",
    "消息人士透露，{org}正研究下一階段安排，最快{when}公布。",
    "{org}表示，會定期檢討計劃成效，並按業界意見作出調整。",
    "{org}發言人表示，會於{when}向持份者匯報進展。",
    "據悉，{org}正與多個政府部門商討配套安排，希望{when}有具體方案。",
)
#: Context any of the topics may carry: the talk of the trade, with no figure of its own.
BACKGROUND = (
    "近年本港積極發展創新科技，{field}被視為具增長潛力的產業之一。",
    "根據{org2}早前發表的報告，本港{field}相關企業數目在過去五年增加超過一倍。",
    "業界普遍認為，本港擁有國際化的營商環境及具實力的大學，具備發展{field}的條件。",
    "不過，與鄰近地區相比，本港在土地、人才及市場規模方面仍面對不少挑戰。",
    "{field}的應用範圍廣泛，涵蓋金融、醫療、物流及城市管理等領域。",
    "有學者指出，產學研合作是把研究成果轉化為產品的關鍵。",
    "大灣區市場龐大，為本港企業提供試產及擴展業務的機會。",
    "國際間對{field}人才的競爭日趨激烈，各地紛紛推出吸引人才的措施。",
)
#: Particulars any of the topics may carry, with figures of their own.
DETAILS = (
    "據了解，項目首階段預算約{money3}，主要用於購置設備及聘請人手。",
    "{org}表示，已就計劃諮詢超過{count2}間企業及機構的意見。",
    "計劃推出首月已收到約{count2}份查詢，反應較預期熱烈。",
    "{person}透露，團隊正與兩間海外機構洽談合作，希望引入更多先進技術。",
    "參與機構須每季提交進度報告，{org}會委託獨立顧問評估成效。",
    "{org}估計，計劃全面推行後，相關行業的生產力可提升約{pct2}。",
)


def _paragraphs(rng: random.Random, topic: dict[str, tuple[str, ...]], slots: dict[str, str]) -> list[str]:
    """4-6 paragraphs: the lede (with some background), two or three paragraphs of the topic's particulars (the
    one introducing the main speaker first), what others said, and how it ends; three or four sentences to a
    body paragraph, as a news story runs."""
    pool = [*topic["body"], *rng.sample(DETAILS, 3), *rng.sample(BACKGROUND, 3)]
    rng.shuffle(pool)
    speaker = next((k for k, x in enumerate(pool) if "{title}{person}" in x), None)
    if speaker is not None:
        pool.insert(0, pool.pop(speaker))
    paragraphs = [rng.choice(topic["lede"]) + (rng.choice(BACKGROUND) if rng.random() < 0.7 else "")]
    for _ in range(rng.choice((2, 3, 3))):
        take = min(len(pool), rng.randint(3, 4))
        if take:
            paragraphs.append("".join(pool[:take]))
        pool = pool[take:]
    paragraphs.append(rng.choice(REACTIONS) + rng.choice(OTHER_VOICES))
    closing = rng.choice(CLOSINGS)
    if rng.random() < 0.3 or len(paragraphs) >= 6:
        paragraphs[-1] += closing
    else:
        paragraphs.append(closing)
    return [p.format(**slots) for p in paragraphs]


def _markdown(rng: random.Random, topic: dict[str, tuple[str, ...]], slots: dict[str, str]) -> str:
    """The headline, the paragraphs, and one or two ``##`` headings between them."""
    paragraphs = _paragraphs(rng, topic, slots)
    headings = rng.sample(topic["heading"], 2)
    at = sorted(rng.sample(range(1, len(paragraphs)), min(len(paragraphs) - 1, rng.randint(1, 2))))
    lines = [f"# {rng.choice(topic['headline']).format(**slots)}", ""]
    for k, paragraph in enumerate(paragraphs):
        if k in at:
            lines += [f"## {headings[at.index(k)]}", ""]
        lines += [paragraph, ""]
    return "\n".join(lines)


def article(i: int, seed: int = SEED) -> str:
    """The ``i``-th generated article of the series ``seed``: the same text on every run and machine, whatever
    other articles were asked for (so the corpus of 10 is the first 10 of the corpus of 100)."""
    rng = random.Random(f"{seed}:{i}")
    avoid = forbidden()
    for _ in range(100):
        topic = TOPICS[rng.choice(sorted(TOPICS))]
        text = _markdown(rng, topic, _slots(rng, topic))
        if not any(s in text for s in avoid):
            return text
    raise RuntimeError(f"article {i} of series {seed}: every draw held a figure or name of the Budget article")


def write_corpus(folder: Path, n: int, seed: int = SEED, budget: Path = BUDGET) -> list[Path]:
    """``folder`` made to hold the Budget article and ``n - 1`` generated ones (gen-001.md …); the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        if old.is_file():
            old.unlink()
    paths = [folder / budget.name]
    paths[0].write_bytes(budget.read_bytes())
    for i in range(1, n):
        path = folder / f"gen-{i:03d}.md"
        path.write_text(article(i, seed), encoding="utf-8")
        paths.append(path)
    return paths
