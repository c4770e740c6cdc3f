"""Kinds of providers for demo data and how their names are written."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderKind:
    key: str
    legal: str  # {name}, {number}, {genitive} are filled in
    short: str
    profile: str  # which program templates it runs (see programs.py)
    programs_weight: float  # how many programs, relative to others
    municipal: bool = True  # a state or municipal institution: licence, budget places, @tularegion.org
    numbered: bool = False  # «№ 2» from the second one in a municipality
    email_slug: str = ""


MBU_DO = "Муниципальное бюджетное учреждение дополнительного образования"

KINDS: dict[str, ProviderKind] = {
    k.key: k
    for k in (
        ProviderKind(
            "ddt", f"{MBU_DO} «Дом детского творчества» {{genitive}}", "МБУ ДО «ДДТ»", "center", 14, email_slug="ddt"
        ),
        ProviderKind(
            "cdt", f"{MBU_DO} «Центр детского творчества» {{genitive}}", "МБУ ДО «ЦДТ»", "center", 14, email_slug="cdt"
        ),
        ProviderKind(
            "cdo",
            f"{MBU_DO} «Центр дополнительного образования» {{genitive}}",
            "МБУ ДО «ЦДО»",
            "center",
            14,
            email_slug="cdo",
        ),
        ProviderKind(
            "dyussh",
            f"{MBU_DO} «Детско-юношеская спортивная школа{{number}}» {{genitive}}",
            "МБУ ДО «ДЮСШ{number}»",
            "sport",
            6,
            numbered=True,
            email_slug="dussh",
        ),
        ProviderKind(
            "dshi",
            f"{MBU_DO} «Детская школа искусств{{number}}» {{genitive}}",
            "МБУ ДО «ДШИ{number}»",
            "art",
            5,
            numbered=True,
            email_slug="dshi",
        ),
        ProviderKind(
            "syut", f"{MBU_DO} «Станция юных техников» {{genitive}}", "МБУ ДО «СЮТ»", "tech", 6, email_slug="sut"
        ),
        ProviderKind(
            "syun", f"{MBU_DO} «Станция юных натуралистов» {{genitive}}", "МБУ ДО «СЮН»", "nature", 5, email_slug="sun"
        ),
        ProviderKind(
            "school",
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа{number}» {genitive}",
            "МБОУ «СОШ{number}»",
            "school",
            4,
            numbered=True,
            email_slug="school",
        ),
        ProviderKind(
            "co",
            "Муниципальное бюджетное общеобразовательное учреждение «Центр образования{number}»",
            "МБОУ «ЦО{number}»",
            "school",
            5,
            numbered=True,
            email_slug="co",
        ),
        ProviderKind(
            "kinder",
            "Муниципальное бюджетное дошкольное образовательное учреждение «Детский сад{number}» {genitive}",
            "МБДОУ «Детский сад{number}»",
            "kinder",
            2,
            numbered=True,
            email_slug="ds",
        ),
        ProviderKind(
            "eco_regional",
            "Государственное образовательное учреждение дополнительного образования Тульской области "
            "«Областной эколого-биологический центр учащихся»",
            "ГОУ ДО ТО «ОЭБЦУ»",
            "nature",
            10,
            email_slug="oebcu",
        ),
        ProviderKind(
            "tourism_regional",
            "Государственное образовательное учреждение дополнительного образования Тульской области "
            "«Центр детско-юношеского туризма и краеведения»",
            "ГОУ ДО ТО «ЦДЮТК»",
            "tourism",
            10,
            email_slug="turizm",
        ),
        ProviderKind(
            "quantorium",
            "Государственное образовательное учреждение дополнительного образования Тульской области "
            "«Детский технопарк «Кванториум»",
            "ГОУ ДО ТО «Кванториум»",
            "tech",
            10,
            email_slug="kvantorium",
        ),
        ProviderKind("private", "{form} «{name}»", "{form_short} «{name}»", "private", 2.5, municipal=False),
        ProviderKind("ip", "Индивидуальный предприниматель {name}", "ИП {name}", "private", 1.3, municipal=False),
    )
}

# Cities and large towns number their schools; Tula's schools are «Центры образования».
CENTER_KINDS = ("ddt", "cdt", "cdo")

# The mix of providers beyond each municipality's own centre, by share.
MIX_FULL = {"ip": 40, "private": 27, "school": 15, "kinder": 9, "dyussh": 4, "dshi": 3, "syut": 1, "syun": 1}
MIX_SMALL = {"ip": 25, "private": 20, "school": 20, "kinder": 8, "dyussh": 14, "dshi": 8, "syut": 3, "syun": 2}

LEGAL_FORMS = (
    ("Общество с ограниченной ответственностью", "ООО"),
    ("Автономная некоммерческая организация дополнительного образования", "АНО ДО"),
    ("Частное учреждение дополнительного образования", "ЧУ ДО"),
)

# A private provider's speciality: which program templates it runs, and its brand names.
SPECIALITIES: dict[str, tuple[str, ...]] = {
    "p_tech": ("Робошкола", "Технолаб", "РобоКвант", "Кодиум", "IT-Старт", "ПиксельЛаб", "Алгоритм", "Инженериум"),
    "p_lang": ("Лингва", "Полиглот", "Инглиш Тайм", "Бритиш Клаб", "Языковая мастерская", "Глобус"),
    "p_dance": ("Пируэт", "Грация", "Данс-Лайф", "Фуэте", "Территория танца", "Стиль"),
    "p_sport": ("Олимп", "Чемпион", "Юниор", "Старт", "Атлант", "Динамика"),
    "p_chess": ("Гамбит", "Ферзь", "Ладья", "Эндшпиль", "Шахматная крепость"),
    "p_art": ("Палитра", "Холст", "Акварель", "Творческая мастерская", "Арт-Пространство", "Глина и краски"),
    "p_early": ("Умка", "Эрудит", "Почемучка", "Знайка", "Умники и умницы", "Развивайка", "Ступеньки"),
    "p_music": ("Камертон", "Музыкальная гостиная", "До-ми-соль", "Звуки музыки"),
    "p_fight": ("Витязь", "Пересвет", "Самурай", "Боевое братство", "Русич"),
}
SPECIALITY_WEIGHTS = {
    "p_tech": 14,
    "p_lang": 14,
    "p_dance": 12,
    "p_sport": 10,
    "p_chess": 8,
    "p_art": 12,
    "p_early": 16,
    "p_music": 7,
    "p_fight": 7,
}

# Tax inspection codes of Тульская область that begin an ИНН issued there.
TAX_OFFICES = ("03", "04", "05", "06", "07", "10", "11", "13", "15", "16", "17", "18", "20", "21", "22", "23", "24")

LICENCE_AUTHORITY = "Л035-01211-71"  # Министерство образования Тульской области
