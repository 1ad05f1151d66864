"""Masking personal identifiers in free text shown to staff (a review's text, a caller's words, the notes of
a ticket): resident ID numbers and mobile numbers typed into the text are masked with the platform's own
masks (core.identifiers); an organisation's USCC, a landline, a case number stay as typed.

What counts (docs/domain/ratings.md §2, "a review text is published masked"):

- an 18-character resident ID (17 digits and a digit or X), not inside a longer run of digits (a bank
  card's): masked when its check digit is right, and also when it is wrong but it still reads as one (a
  province code and a birth date): a mistyped ID is still someone's ID. An 18-character USCC made only of
  digits, whose check character is right as a USCC, and which does not read as an ID, stays;
- a mainland mobile number (1[3-9] and 9 more digits), on its own, also written with spaces or hyphens
  (138 0000 0001, 138-0000-0001) or after +86 / 86;
- digits typed full-width (１３８…, common with Chinese input methods) count as digits.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from stdnum.cn import ric, uscc

from tongban.core.identifiers import EARLIEST_BIRTH, PROVINCE_CODES, mask_id_number, mask_phone

# \d matches full-width digits too (str patterns are Unicode); X may be typed in either case or full-width.
_ID = re.compile(r"(?<!\d)\d{17}[\dXxＸｘ](?!\d)")
_MOBILE = re.compile(r"(?<![\d])((?:\+|＋)?[8８][6６][ \-]?)?([1１][3-9３-９]\d(?:[ \-]?\d{4}){2})(?!\d)")
_MOBILE_ASCII = re.compile(r"1[3-9]\d{9}")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


def _reads_as_id(number: str) -> bool:
    """A resident ID with a right check digit, or one that still has a province code and a birth date."""
    if ric.calc_check_digit(number) == number[17]:
        return True
    if uscc.is_valid(number):
        return False
    if number[:2] not in PROVINCE_CODES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return EARLIEST_BIRTH <= born <= date.today()


def _mask_id(match: re.Match) -> str:
    token = match.group(0)
    return mask_id_number(token) if _reads_as_id(_ascii(token)) else token


def _mask_mobile(match: re.Match) -> str:
    prefix, number = match.group(1) or "", match.group(2)
    digits = re.sub(r"[ \-]", "", number)
    if not _MOBILE_ASCII.fullmatch(_ascii(digits)):
        return match.group(0)
    return prefix + mask_phone(digits)


def mask_free_text(text: str | None) -> str:
    """The text with every resident ID and mobile number in it masked (``110101********1233``,
    ``138****0001``); everything else as typed. Escaping is the template's job."""
    if not text:
        return ""
    return _MOBILE.sub(_mask_mobile, _ID.sub(_mask_id, text))


# --- published texts (docs/domain/supervision-public.md §3) ------------------------------------------------
# What a page anyone may read masks besides the IDs and mobiles above:
#
# - a name before a form of address (张先生, 王小明女士, 欧阳老师, 李师傅 …) becomes 某 (某先生): the name is the
#   surname (or a compound surname) and the one or two characters after it; a character that reads as a word
#   of its own there (的, 了, 和 …) is not taken for a name's first;
# - any other run of letters, digits and hyphens holding 7 digits or more (a landline, a case or ticket
#   number, a bank card, a passport) has each letter and digit replaced by *; a date (2026-03-05) stays.
#
# A name typed without a form of address is not recognised (no dictionary of given names): the page says that
# texts are published as the evaluator wrote them, with these masks.
_HONORIFICS = "先生|女士|小姐|同志|老师|师傅|阿姨|叔叔|大爷|大妈|大姐|大哥|经理|主任|科长|处长|局长|医生|律师|警官|姐|哥"
_HONORIFIC = re.compile(f"(?:{_HONORIFICS})")
_COMPOUND_SURNAMES = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
    "澹台", "轩辕", "端木", "西门", "南宫", "独孤", "百里", "呼延", "闻人", "申屠", "太史", "钟离",
}  # fmt: skip
# Common single-character surnames; those that are far more often a word in front of 先生/女士 (位, 那, 和 …)
# are left out: 这位先生 stays as written.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐"
    "冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索"
    "宣晋相初门云容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇湛宾戎勾茅利"
    "呼居揭干尉冶斯元束檀衣信展阴昝智幸奉植衡富尧"
)
# Characters that, before a name, are usually a word of their own (把…, 感谢…, 和…): a two- or three-character
# name does not start with one (a one-character name — the surname alone — may).
_NOT_A_NAME_START = set("的了和与跟同向给把被对为是有在个这那该找叫问让请谢感就也都还很又再及或说")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LONG_NUMBER = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\-－]+")
_DATE = re.compile(r"\d{4}[-－]\d{1,2}[-－]\d{1,2}")
_ALNUM = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def _name_start(text: str, end: int) -> int | None:
    """Where the name just before ``text[end:]`` (a form of address) starts, or None when there is none."""
    for length in (4, 3, 2, 1):
        start = end - length
        if start < 0:
            continue
        name = text[start:end]
        if not all(_HAN.fullmatch(ch) for ch in name):
            continue
        if name[:2] in _COMPOUND_SURNAMES and length >= 2:
            return start
        if length <= 3 and name[0] in _SURNAMES and (length == 1 or name[0] not in _NOT_A_NAME_START):
            return start
    return None


def _mask_addressed_names(text: str) -> str:
    out, last = [], 0
    for match in _HONORIFIC.finditer(text):
        start = _name_start(text, match.start())
        if start is None or start < last:
            continue
        out.append(text[last:start])
        out.append("某")
        last = match.start()
    out.append(text[last:])
    return "".join(out)


def _mask_long_number(match: re.Match) -> str:
    token = match.group(0)
    digits = sum(ch.isdigit() for ch in token)
    if digits < 7 or _DATE.fullmatch(unicodedata.normalize("NFKC", token)):
        return token
    return _ALNUM.sub("*", token)


def mask_public_text(text: str | None) -> str:
    """A review text as a page anyone may read shows it: :func:`mask_free_text`, then names before a form of
    address (某先生) and other long numbers (``***-********``) masked, as described above."""
    masked = mask_free_text(text)
    if not masked:
        return ""
    return _LONG_NUMBER.sub(_mask_long_number, _mask_addressed_names(masked))
