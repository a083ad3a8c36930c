"""The DCAT JSON-LD catalogue of the open datasets (`/data/catalog.json`)."""

import json

import pytest
from django.test import Client

from antt.api.dcat import FORMATS
from antt.api.loaders import load_datasets
from antt.api.models import Dataset
from antt.api.opendata import BUILDERS

pytestmark = pytest.mark.django_db
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"


@pytest.fixture
def document():
    load_datasets()
    response = Client().get("/data/catalog.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    return json.loads(response.content)


def test_the_catalogue_is_a_dcat_catalog_with_a_top_level_dataset_list(document):
    # the context maps the short "dataset" key to dcat:dataset, and the prefixes to their vocabularies
    context = document["@context"]
    assert context["dcat"] == DCAT and context["dct"] == DCT
    assert context["dataset"]["@id"] == "dcat:dataset"
    assert document["@type"] == "dcat:Catalog"
    for key in ("dct:title", "dct:description", "dct:publisher", "dct:license"):
        assert document[key], key
    assert {d["dct:identifier"] for d in document["dataset"]} == set(BUILDERS)


def test_every_dataset_has_its_metadata_and_one_distribution_per_format(document):
    for entry in document["dataset"]:
        slug = entry["dct:identifier"]
        dataset = Dataset.objects.get(slug=slug)
        assert entry["@type"] == "dcat:Dataset"
        assert entry["dct:title"] == dataset.title
        assert entry["dct:description"] == dataset.description
        assert entry["dcat:keyword"] == dataset.keywords and entry["dcat:keyword"]
        assert entry["dct:license"] == dataset.licence_url
        assert entry["dct:accrualPeriodicity"].startswith("http://publications.europa.eu/resource/authority/frequency/")
        assert entry["dcat:landingPage"].endswith(f"/du-lieu-mo/{slug}/")
        distributions = entry["dcat:distribution"]
        assert [d["dcat:downloadURL"].rsplit(".", 1)[1] for d in distributions] == list(FORMATS)
        for d in distributions:
            assert d["@type"] == "dcat:Distribution"
            assert d["dcat:downloadURL"].startswith("http://testserver/data/")
            assert d["dcat:mediaType"].startswith("https://www.iana.org/assignments/media-types/")
            assert d["dct:format"].startswith("http://publications.europa.eu/resource/authority/file-type/")


def test_modified_is_the_last_change_of_the_data(document):
    entries = {e["dct:identifier"]: e for e in document["dataset"]}
    # no data yet: no dct:modified rather than a made-up date
    assert "dct:modified" not in entries["vi-pham-thong-ke"]


def test_an_unpublished_dataset_is_not_in_the_catalogue():
    load_datasets()
    Dataset.objects.filter(slug="luu-tru-quoc-tich").update(is_published=False)
    doc = Client().get("/data/catalog.json").json()
    assert "luu-tru-quoc-tich" not in {d["dct:identifier"] for d in doc["dataset"]}


def test_the_catalogue_parses_as_rdf_with_the_dcat_terms(document):
    rdflib = pytest.importorskip("rdflib")  # not a dependency of the project; runs where installed
    graph = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    ns_dcat, ns_dct = rdflib.Namespace(DCAT), rdflib.Namespace(DCT)
    catalogs = list(graph.subjects(rdflib.RDF.type, ns_dcat.Catalog))
    assert len(catalogs) == 1
    datasets = list(graph.objects(catalogs[0], ns_dcat.dataset))
    assert len(datasets) == len(BUILDERS)
    for ds in datasets:
        assert (ds, rdflib.RDF.type, ns_dcat.Dataset) in graph
        assert graph.value(ds, ns_dct.title) is not None
        assert isinstance(graph.value(ds, ns_dct.license), rdflib.URIRef)
        downloads = [graph.value(d, ns_dcat.downloadURL) for d in graph.objects(ds, ns_dcat.distribution)]
        assert len(downloads) == 3 and all(isinstance(u, rdflib.URIRef) for u in downloads)
