"""Countries -> export regions and main languages, for export readiness (data, not logic)."""

REGIONS: dict[str, tuple[str, ...]] = {
    "southeast-asia": ("VN", "TH", "ID", "PH", "MY", "SG", "KH", "LA", "MM", "BN", "TL"),
    "east-asia": ("KR", "JP", "CN", "TW", "HK", "MN"),
    "south-asia": ("IN", "BD", "LK", "NP", "PK"),
    "central-asia": ("UZ", "KZ", "KG", "TJ", "TM", "AZ", "GE", "AM"),
    "middle-east": ("AE", "SA", "QA", "KW", "OM", "BH", "JO", "EG", "TR", "IL", "IQ", "MA"),
    "africa": ("KE", "TZ", "UG", "RW", "ET", "NG", "GH", "ZA", "SN", "CI"),
    "latin-america": ("PE", "CL", "CO", "EC", "MX", "BR", "AR", "PA", "CR", "GT", "BO", "PY", "UY"),
    "europe": (
        "PL", "DE", "FR", "ES", "IT", "NL", "BE", "EE", "FI", "SE", "DK", "NO", "CZ", "SK",
        "HU", "RO", "BG", "AT", "PT", "IE", "GB", "LT", "LV", "GR", "HR", "SI", "UA",
    ),
    "north-america": ("US", "CA"),
    "oceania": ("AU", "NZ", "FJ"),
}  # fmt: skip

COUNTRY_REGION: dict[str, str] = {
    country: region for region, countries in REGIONS.items() for country in countries
}

# The language (ISO 639-1) a buyer in the country reads besides English.
COUNTRY_LANGUAGE: dict[str, str] = {
    "KR": "ko", "JP": "ja", "CN": "zh", "TW": "zh", "VN": "vi", "TH": "th", "ID": "id",
    "MY": "ms", "KH": "km", "LA": "lo", "MN": "mn", "UZ": "uz", "KZ": "ru", "KG": "ru",
    "AE": "ar", "SA": "ar", "QA": "ar", "KW": "ar", "OM": "ar", "JO": "ar", "EG": "ar",
    "MA": "ar", "TR": "tr", "PE": "es", "CL": "es", "CO": "es", "EC": "es", "MX": "es",
    "AR": "es", "PA": "es", "BR": "pt", "PT": "pt", "PL": "pl", "DE": "de", "FR": "fr",
    "ES": "es", "IT": "it", "EE": "et", "FI": "fi", "KE": "sw", "TZ": "sw", "PH": "tl",
}  # fmt: skip

COUNTRY_NAMES: dict[str, tuple[str, str]] = {
    "KR": ("Korea", "한국"), "VN": ("Vietnam", "베트남"), "TH": ("Thailand", "태국"),
    "ID": ("Indonesia", "인도네시아"), "PH": ("the Philippines", "필리핀"),
    "MY": ("Malaysia", "말레이시아"), "SG": ("Singapore", "싱가포르"),
    "KH": ("Cambodia", "캄보디아"), "LA": ("Laos", "라오스"), "MN": ("Mongolia", "몽골"),
    "UZ": ("Uzbekistan", "우즈베키스탄"), "KZ": ("Kazakhstan", "카자흐스탄"),
    "AE": ("the UAE", "아랍에미리트"), "SA": ("Saudi Arabia", "사우디아라비아"),
    "PE": ("Peru", "페루"), "CL": ("Chile", "칠레"), "EC": ("Ecuador", "에콰도르"),
    "KE": ("Kenya", "케냐"), "PL": ("Poland", "폴란드"), "JP": ("Japan", "일본"),
    "EE": ("Estonia", "에스토니아"), "FI": ("Finland", "핀란드"),
}  # fmt: skip

REGION_NAMES: dict[str, tuple[str, str]] = {
    "southeast-asia": ("Southeast Asia", "동남아시아"),
    "east-asia": ("East Asia", "동아시아"),
    "south-asia": ("South Asia", "남아시아"),
    "central-asia": ("Central Asia", "중앙아시아"),
    "middle-east": ("the Middle East", "중동"),
    "africa": ("Africa", "아프리카"),
    "latin-america": ("Latin America", "중남미"),
    "europe": ("Europe", "유럽"),
    "north-america": ("North America", "북미"),
    "oceania": ("Oceania", "오세아니아"),
}


def country_name(code: str, language: str) -> str:
    """The country's name in ``language`` (the code itself when unknown)."""
    names = COUNTRY_NAMES.get(code)
    if names is None:
        return code
    return names[1] if language == "ko" else names[0]


def region_name(region: str, language: str) -> str:
    """The region's name in ``language``."""
    names = REGION_NAMES.get(region, (region, region))
    return names[1] if language == "ko" else names[0]
