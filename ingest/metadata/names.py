"""Is a byline candidate a person's name? Not a role, an organisation, a place or a label.

The lists below are the rules. A candidate fails when it is a role ("Senior Staff Writer",
"Games Editor"), a place from a dateline ("Los Angeles", "Nairobi"), a month or weekday, a UI
label ("人氣", "フォロー"), a department ("東京社会部"), a phrase with lower-case words ("Ahead of
the Ticker", "Click here to") or a user handle ("admin", "kesm"). Organisation words ("Reuters",
"Times") do not fail a candidate: such authors are kept when no person is named.
"""

from __future__ import annotations

import re

from .places import is_place

#: Role words: a name made of these only is a job title ("Senior Staff Writer").
ROLE = re.compile(
    r"\b(?:staff|writers?|reporters?|correspondents?|editors?|editorial|contributors?|"
    r"contributing|columnists?|journalists?|photographers?|producers?|analysts?|bureau|chief|"
    r"senior|desk|intern|freelance|special|redakteur(?:in)?|korrespondent(?:in)?|redaktion|"
    r"newsroom|opinion|guest|team|edited|updated|published|posted|content|our|own|wire|"
    r"services?|deputy|executive|associate|assistant|managing)\b",
    re.IGNORECASE,
)
#: A first word that makes the candidate a role or a label ("Deputy Business", "Posted Tuesday").
ROLE_FIRST = re.compile(
    r"(?:posted|edited|updated|published|senior|deputy|executive|associate|assistant|managing"
    r"|chief|special|staff|contributing)",
    re.IGNORECASE,
)
#: A last word that makes the candidate a job ("Games Editor", "Statehouse Bureau").
ROLE_LAST = re.compile(
    r"(?:editors?|writers?|reporters?|correspondents?|columnists?|journalists?|photographers?"
    r"|producers?|analysts?|contributors?|bureau|redakteur(?:in)?|korrespondent(?:in)?)",
    re.IGNORECASE,
)
#: Organisation words: such an "author" is kept only when no person is named.
ORG = re.compile(
    r"\b(?:news|press|media|agency|agencies|times|post|journal|tribune|herald|gazette|magazine|"
    r"online|radio|tv|television|network|group|inc|ltd|llc|gmbh|ag|dpa|afp|ap|reuters|kna|epd|"
    r"associated|bloomberg|sid|apa|efe|ansa|xinhua|tass|pa|ips|service|nachrichten|newspapers?|"
    r"daily|shimbun|zeitung|noticias|wire|staff|desk|newsroom|team|"
    r"cnn|bbc|nbc|abc|cbs|npr|pbs|itv|ard|zdf|orf|srf|rai|rtl|nhk|kbs|ytn|cctv|"
    r"\w+\.(?:com|net|org|de|co|uk|fr|es|it|in))\b",
    re.IGNORECASE,
)
_NOT_NAMES_WORDS = """
    admin administrator webmaster guest anonymous unknown null none undefined user editor
    author staff redaktion about_us contact_us news nachrichten noticias actualités notizie
    個人 个人 人氣 人气 匿名 編集部 编辑部 管理者 管理员 投稿者 作者 記者 记者 小编 編集 编辑
    筆者 著者 ゲスト 관리자 기자 편집부 운영자 автор редакция новости новини
"""
#: Placeholders CMSs and sites print where a name should be.
NOT_NAMES = frozenset(w.replace("_", " ") for w in _NOT_NAMES_WORDS.split())
#: Words that make a byline part something other than a name ("Photos: ...").
NOT_A_NAME = re.compile(r"\b(?:photos?|fotos?|images?|bild|illustration|video|graphics?)\b", re.I)
_CALENDAR_WORDS = """
    january february march april may june july august september october november december
    januar februar märz juni juli oktober dezember janvier février mars avril mai juin
    juillet août septembre octobre novembre décembre enero febrero marzo abril mayo junio
    julio agosto septiembre octubre noviembre diciembre monday tuesday wednesday thursday
    friday saturday sunday montag dienstag mittwoch donnerstag freitag samstag sonntag lundi
    mardi mercredi jeudi vendredi samedi dimanche today yesterday heute gestern
"""
#: Month and weekday names: a candidate made of these only is a date ("February").
CALENDAR = frozenset(_CALENDAR_WORDS.split())
WEEKDAY = re.compile(
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|diens|donners|frei|sams|sonn)tag|mittwoch",
    re.IGNORECASE,
)
_PARTICLES_WORDS = """
    de da di do dos das van von der den du del della degli dei la le ter ten bin ibn al el
    zu zur vom af av y e
"""
#: Lower-case words that may stand inside a name ("van der Berg", "Chus del Pino").
PARTICLES = frozenset(_PARTICLES_WORDS.split())
#: CJK names are a few characters; longer runs are labels or sentences.
MAX_CJK_CHARS = 12
#: A CJK name without spaces has at most this many characters ("青网校园崔宁宁" is a label).
MAX_CJK_RUN = 6
#: Endings of CJK department, organisation and topic words ("東京社会部", "専門・関心分野").
CJK_NOT_NAME_END = re.compile(
    r"(?:部|局|課|班|室|社|会|會|團|团|台|報|报|網|网|新聞|新闻|通信|分野|協会|協會|협회|신문|뉴스"
    r"|일보|방송)$"
)
_HIRAGANA = re.compile(r"[\u3041-\u309f]")
_KATAKANA_WORD = re.compile(r"^[\u30a0-\u30ff]+$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u1100-\u11ff]")
#: Lower-case word forms allowed inside names: "d'Ancona", "al-Assad".
_LOWER_OK = re.compile(r"^(?:[a-z]['\u2019]|(?:al|el|bin|ibn|abu)-)", re.IGNORECASE)


def is_person_name(name: str) -> bool:
    """Could ``name`` be a byline name (not a role, a date, a place, a label or a sentence)?"""
    if not 2 <= len(name) <= 60 or name.casefold() in NOT_NAMES:
        return False
    if not any(ch.isalpha() for ch in name) or any(ch in name for ch in "?!<>=:"):
        return False
    words = name.split()
    if len(words) > 6 or NOT_A_NAME.search(name) or is_place(name):
        return False
    if all(w.casefold().strip(".,") in CALENDAR for w in words):
        return False
    if _is_role(words, name):
        return False
    if _CJK.search(name):
        return _is_cjk_name(name)
    latin = all(ord(ch) < 0x250 for ch in name if ch.isalpha())
    if latin and len(words) > 1 and words[0].islower() and words[0] not in PARTICLES:
        return False  # a phrase: "more from", "israel news"
    if ORG.search(name):
        return True  # "Press Trust of India", "dpa": an organisation, judged by the caller
    return not (latin and _has_lower_word(words))


def _is_role(words: list[str], name: str) -> bool:
    if ROLE_FIRST.fullmatch(words[0]) or (len(words) > 1 and ROLE_LAST.fullmatch(words[-1])):
        return True
    return bool(ROLE.search(name)) and len(words) <= 4 and role_only(name)


def role_only(name: str) -> bool:
    """True when every word of ``name`` is a role word or a filler ("Senior Staff Writer")."""
    rest = ROLE.sub("", name)
    rest = re.sub(r"\b(?:the|of|for|a|an|and|der|die|das|für|de|la|el)\b", "", rest, flags=re.I)
    return not rest.strip(" .,:;|-")


def _has_lower_word(words: list[str]) -> bool:
    """A lower-case word that is no name particle: a phrase ("Fighting back") or a handle."""
    for word in words:
        bare = word.strip(".,'\u2019")
        if bare[:1].islower() and bare not in PARTICLES and not _LOWER_OK.match(bare):
            return True
    return all(w.islower() for w in words)  # "kesm", "calgarysun", "de la": handles


def _is_cjk_name(name: str) -> bool:
    """CJK names are short, have no hiragana grammar and no department ending."""
    if sum(1 for ch in name if _CJK.match(ch)) > MAX_CJK_CHARS:
        return False
    if len(_HIRAGANA.findall(name)) >= 3 and re.search(r"[\u4e00-\u9fff]", name):
        return False  # "この記事を書いた人": a sentence, not a name
    if any(len(run) > MAX_CJK_RUN for run in name.split()):
        return False
    return not CJK_NOT_NAME_END.search(name.replace(" ", ""))


def is_full_name(name: str) -> bool:
    """Page bylines must give a full name: single words there are user names or labels.

    CJK names are written without spaces; a single katakana word without "・" is a label.
    """
    if len(name.split()) > 1:
        return True
    return bool(_CJK.search(name)) and not _KATAKANA_WORD.match(name)
