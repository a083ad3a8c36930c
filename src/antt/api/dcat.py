"""The open-data catalogue as DCAT JSON-LD (`/data/catalog.json`, DCAT v3 / DCAT-AP terms).

Compact JSON-LD: the `@context` maps short keys to the DCAT, Dublin Core and FOAF IRIs, so the
document is both plain JSON with a top-level `dataset` list (what the issue asks for) and valid
linked data (`dataset` ↔ `dcat:dataset`, `title` ↔ `dct:title`…). Frequencies use the EU
Publications Office vocabulary that DCAT-AP requires; media types the IANA registry.
"""

from __future__ import annotations

from django.urls import reverse

from antt.api.opendata import BUILDERS

FORMATS = {
    # format → (media type, EU file-type authority code, label)
    "csv": ("text/csv", "CSV", "CSV (UTF-8)"),
    "json": ("application/json", "JSON", "JSON"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", "Excel (XLSX)"),
}
FREQUENCY_IRI = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUAL",
    "irregular": "IRREG",
}
FREQUENCY_LABELS = {
    "daily": "Hằng ngày",
    "weekly": "Hằng tuần",
    "monthly": "Hằng tháng",
    "quarterly": "Hằng quý",
    "annual": "Hằng năm",
    "irregular": "Khi có thay đổi",
}
FILE_TYPE_IRI = "http://publications.europa.eu/resource/authority/file-type/"

CONTEXT = {
    "@language": "vi",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    # The issue asks for a top-level `dataset` list: the compact term for dcat:dataset.
    "dataset": {"@id": "dcat:dataset", "@container": "@set"},
    "dcat:distribution": {"@container": "@set"},
    "dcat:keyword": {"@container": "@set"},
    "dct:identifier": {"@language": None},
    "dct:license": {"@type": "@id"},
    "dct:issued": {"@type": "xsd:date"},
    "dct:modified": {"@type": "xsd:dateTime"},
    "dct:accrualPeriodicity": {"@type": "@id"},
    "dct:language": {"@type": "@id"},
    "dct:format": {"@type": "@id"},
    "dcat:downloadURL": {"@type": "@id"},
    "dcat:accessURL": {"@type": "@id"},
    "dcat:landingPage": {"@type": "@id"},
    "dcat:mediaType": {"@type": "@id"},
}
LANGUAGE_VI = "http://publications.europa.eu/resource/authority/language/VIE"


def _licence(dataset) -> str:
    return dataset.licence_url or "https://creativecommons.org/licenses/by/4.0/"


def distribution(request, dataset, fmt: str) -> dict:
    media_type, code, label = FORMATS[fmt]
    url = request.build_absolute_uri(reverse("api:opendata-download", args=[dataset.slug, fmt]))
    return {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": f"{dataset.title} ({label})",
        "dcat:downloadURL": url,
        "dcat:accessURL": url,
        "dcat:mediaType": f"https://www.iana.org/assignments/media-types/{media_type}",
        "dct:format": FILE_TYPE_IRI + code,
        "dct:license": _licence(dataset),
    }


def dataset_entry(request, dataset, modified) -> dict:
    landing = request.build_absolute_uri(reverse("api:opendata-detail", args=[dataset.slug]))
    entry = {
        "@id": landing,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.slug,
        "dct:title": dataset.title,
        "dct:description": dataset.description,
        "dcat:keyword": list(dataset.keywords or []),
        "dcat:landingPage": landing,
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": dataset.publisher or "Công an tỉnh Thanh Hóa"},
        "dct:license": _licence(dataset),
        "dct:accrualPeriodicity": FREQUENCY_IRI + FREQUENCIES.get(dataset.frequency, "UNKNOWN"),
        "dct:language": LANGUAGE_VI,
        "dcat:distribution": [distribution(request, dataset, fmt) for fmt in FORMATS],
    }
    if dataset.issued:
        entry["dct:issued"] = dataset.issued.isoformat()
    if modified is not None:
        entry["dct:modified"] = modified.isoformat()
    return entry


def catalog(request, datasets, modified: dict) -> dict:
    """The DCAT catalogue of the published datasets; `modified[slug]` their last change (or None)."""
    home = request.build_absolute_uri(reverse("api:opendata-list"))
    return {
        "@context": CONTEXT,
        "@id": request.build_absolute_uri(reverse("api:dcat-catalog")),
        "@type": "dcat:Catalog",
        "dct:title": "Dữ liệu mở của Công an tỉnh Thanh Hóa",
        "dct:description": (
            "Danh mục dữ liệu mở về thủ tục hành chính, xử phạt vi phạm hành chính, lưu trú và cơ sở kinh doanh "
            "có điều kiện về an ninh, trật tự. Không chứa dữ liệu cá nhân; số nhỏ được để trống."
        ),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": "Công an tỉnh Thanh Hóa"},
        "dct:license": "https://creativecommons.org/licenses/by/4.0/",
        "dct:language": LANGUAGE_VI,
        "dcat:landingPage": home,
        "dataset": [dataset_entry(request, d, modified.get(d.slug)) for d in datasets if d.slug in BUILDERS],
    }
