"""Lead imports: CSV and OCDS, validated whole, written in one transaction."""

import copy
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from matching import imports
from matching.imports import LeadImportInvalid, leads_import_csv, leads_import_ocds
from matching.models import Lead
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
TENDER = FIXTURES / "ocds-213czf-000-00001-02-tender.json"
REALDATA = FIXTURES / "release-package_1.1-1.json"
HEADER = ",".join(imports.CSV_COLUMNS)


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English messages (Korean is the default language)."""
    settings.LANGUAGE_CODE = "en"


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode(encoding))


def row(**cells) -> str:
    base = {"country": "VN", "title_en": "Smart parking", "category": "mobility"}
    base.update(cells)
    return ",".join(str(base.get(c, "")) for c in imports.CSV_COLUMNS)


def test_the_template_imports_cleanly(agency_user):
    report = leads_import_csv(imports.TEMPLATE.open("rb"), actor=agency_user)
    lead = Lead.objects.get(pk=report.lead_ids[0])
    assert (report.created, report.updated) == (1, 0)
    assert lead.country == "VN" and lead.budget_currency == "USD"
    assert lead.required_certifications == ["iso-27001", "ce"]
    assert lead.organisation == agency_user.organisation


def test_csv_reimport_by_id_updates(agency_user):
    leads_import_csv(
        csv_file(row(id="k-1", budget_max="100", budget_currency="USD")), actor=agency_user
    )
    report = leads_import_csv(
        csv_file(row(id="k-1", budget_max='"2,500"', budget_currency="USD")), actor=agency_user
    )
    assert (report.created, report.updated) == (0, 1)
    assert Lead.objects.get(exchange_id="k-1").budget_max == 2500


def test_csv_rows_without_an_id_are_not_duplicated_when_imported_again(agency_user):
    """A retried upload or the same file sent twice updates the leads it created."""
    other_agency_user = UserFactory(organisation=OrganisationFactory(kind="agency"))
    by_url = row(url="https://example.org/notice/7", budget_max="100", budget_currency="USD")
    by_content = row(title_en="Flood sensors", buyer="City of Hue", deadline="2027-05-01")
    first = leads_import_csv(csv_file(by_url, by_content), actor=agency_user)
    again = leads_import_csv(
        csv_file(
            row(url="https://example.org/notice/7", budget_max="900", budget_currency="USD"),
            by_content,
        ),
        actor=agency_user,
    )
    assert (first.created, first.updated) == (2, 0)
    assert (again.created, again.updated) == (0, 2)
    assert sorted(again.lead_ids) == sorted(first.lead_ids)
    assert Lead.objects.get(url="https://example.org/notice/7").budget_max == 900
    changed = leads_import_csv(
        csv_file(row(title_en="Flood sensors", buyer="City of Hue", deadline="2027-06-01")),
        actor=agency_user,
    )
    assert changed.created == 1, "another deadline is another tender"
    elsewhere = leads_import_csv(csv_file(by_content), actor=other_agency_user)
    assert elsewhere.created == 1, "another agency's identical row is its own lead"
    assert Lead.objects.count() == 4


def test_csv_errors_name_row_and_column_and_import_nothing(agency_user):
    bad = csv_file(
        row(id="ok"),
        row(budget_max="lots", budget_currency="USD"),
        row(deadline="31/12/2027", category="spaceflight", country=""),
    )
    with pytest.raises(LeadImportInvalid) as caught:
        leads_import_csv(bad, actor=agency_user)
    errors = dict(caught.value.report.errors)
    assert errors["row 3, column budget_max"] == "not a number"
    assert errors["row 4, column deadline"] == "not a date (YYYY-MM-DD)"
    assert "row 4, column category" in errors and "row 4, column country" in errors
    assert not Lead.objects.exists()


def test_csv_with_utf8_bom_and_korean(agency_user):
    data = csv_file(row(title_en="", title_ko="스마트 주차"), encoding="utf-8-sig")
    report = leads_import_csv(data, actor=agency_user)
    assert Lead.objects.get(pk=report.lead_ids[0]).title_ko == "스마트 주차"


def test_cp949_korean_is_decoded_with_a_warning_and_other_bytes_are_refused(agency_user):
    report = leads_import_csv(
        csv_file(row(title_en="", title_ko="스마트 주차 안내"), encoding="cp949"), actor=agency_user
    )
    assert Lead.objects.get(pk=report.lead_ids[0]).title_ko == "스마트 주차 안내"
    assert "CP949" in report.warnings[0][1]
    with pytest.raises(LeadImportInvalid) as caught:
        leads_import_csv(csv_file(row(title_en="Caf\xe9"), encoding="latin-1"), actor=agency_user)
    assert "not UTF-8" in dict(caught.value.report.errors)["file"]


def test_formula_cells_are_kept_as_text(agency_user):
    formula = '=HYPERLINK("http://evil.example","x")'
    line = row(title_en='"' + formula.replace('"', '""') + '"', city="@SUM(1+1)")
    report = leads_import_csv(csv_file(line), actor=agency_user)
    lead = Lead.objects.get(pk=report.lead_ids[0])
    assert lead.title_en == formula and lead.city == "@SUM(1+1)"
    assert {w for w, _ in report.warnings} == {"row 2, column title_en", "row 2, column city"}


def test_unknown_columns_are_refused(agency_user):
    with pytest.raises(LeadImportInvalid) as caught:
        leads_import_csv(csv_file("VN,x", header="country,price"), actor=agency_user)
    assert "column price" in dict(caught.value.report.errors)


def test_only_agencies_import(vendor_user, municipality_user):
    for user in (vendor_user, municipality_user):
        with pytest.raises(PermissionDenied):
            leads_import_csv(csv_file(row()), actor=user)


def test_ocds_tender_release_maps_title_value_deadline_cpv_and_buyer(agency_user):
    with TENDER.open("rb") as handle:
        report = leads_import_ocds(handle, actor=agency_user)
    lead = Lead.objects.get(pk=report.lead_ids[0])
    assert lead.exchange_id == "ocds-213czf-000-00001"
    assert lead.title_en == "Planned cycle lane improvements"
    assert lead.budget_max == 1_100_000 and lead.budget_currency == "GBP"
    assert lead.deadline == dt.date(2010, 4, 1)
    assert lead.category == "mobility"  # CPV 45233130 construction work for highways
    assert lead.buyer == "London Borough of Barnet"
    assert (lead.country, lead.city) == ("GB", "London")
    assert lead.url.startswith("http://example.com/tender-notices/")


def test_ocds_real_package_without_items_uses_the_ocid_prefix_for_the_country(agency_user):
    with REALDATA.open("rb") as handle:
        report = leads_import_ocds(handle, actor=agency_user)
    lead = Lead.objects.get(pk=report.lead_ids[0])
    assert lead.country == "PY" and lead.category == ""
    assert lead.budget_max is None and lead.buyer.startswith("Dirección Nacional")
    assert lead.status == Lead.Status.CLOSED  # tender status "complete"


def test_ocds_single_release_and_record_package(agency_user):
    package = json.loads(TENDER.read_text())
    release = package["releases"][0]
    leads_import_ocds(io.BytesIO(json.dumps(release).encode()), actor=agency_user)
    record = {"records": [{"ocid": release["ocid"], "compiledRelease": release}]}
    report = leads_import_ocds(io.BytesIO(json.dumps(record).encode()), actor=agency_user)
    assert (report.created, report.updated) == (0, 1)
    assert Lead.objects.count() == 1


def test_malformed_ocds_is_refused_per_item_and_nothing_is_imported(agency_user):
    package = json.loads(TENDER.read_text())
    good = package["releases"][0]
    releases = []
    for i in range(5):
        r = copy.deepcopy(good)
        r["ocid"] = f"ocds-213czf-000-0000{i}"
        releases.append(r)
    releases[3]["tender"]["value"]["amount"] = "a lot"
    releases[1]["tender"]["tenderPeriod"]["endDate"] = "soon"
    del releases[4]["parties"][0]["address"]
    package["releases"] = releases
    with pytest.raises(LeadImportInvalid) as caught:
        leads_import_ocds(io.BytesIO(json.dumps(package).encode()), actor=agency_user)
    errors = dict(caught.value.report.errors)
    assert errors["releases[3].tender.value.amount"] == "not a number"
    assert "releases[1].tender.tenderPeriod.endDate" in errors
    assert "no country" in errors["releases[4].buyer"]
    assert not Lead.objects.exists()


def test_truncated_json_is_refused(agency_user):
    text = TENDER.read_bytes()[:700]
    with pytest.raises(LeadImportInvalid) as caught:
        leads_import_ocds(io.BytesIO(text), actor=agency_user)
    assert "not valid OCDS JSON" in dict(caught.value.report.errors)["file"]
    assert not Lead.objects.exists()


def test_large_packages_stream_through_the_importer(agency_user):
    package = json.loads(TENDER.read_text())
    release = package["releases"][0]
    body = ",".join(json.dumps({**release, "ocid": f"ocds-213czf-big-{i:05d}"}) for i in range(300))
    data = io.BytesIO(('{"version": "1.1", "releases": [' + body + "]}").encode())
    seen = []
    report = leads_import_ocds(data, actor=agency_user, progress=lambda d, t: seen.append((d, t)))
    assert report.created == 300 and seen[-1] == (300, 300)


@pytest.mark.parametrize(
    ("scheme", "code", "category"),
    [
        ("cpv", "45233130-9", "mobility"),
        ("cpv", "34144510-6", "waste"),
        ("cpv", "90511000-2", "waste"),
        ("cpv", "48000000-8", "platform"),
        ("cpv", "03000000-1", ""),
        ("unspsc", "46161500", "mobility"),
        ("unspsc", "46171600", "safety"),
        ("unspsc", "83101500", "water"),
        ("unspsc", "10000000", ""),
    ],
)
def test_classification_tables_pick_the_longest_prefix(scheme, code, category):
    assert imports.category_for_code(scheme, code) == category


# -- API -----------------------------------------------------------------------------------


def _run_jobs():
    """Hand over the queued on-commit enqueues (the test never commits) and run every job."""
    from django.db import connection

    from jobs.worker import run_worker

    while connection.run_on_commit:
        _, callback, _ = connection.run_on_commit.pop(0)
        callback()
    run_worker(burst=True, interval=0)


def _job(client, response) -> dict:
    """Run the queued jobs, then the job the 202 ``response`` points to, as JSON."""
    assert response.status_code == 202, response.content
    assert response["Location"] == response.json()["job"]
    _run_jobs()
    return client.get(response["Location"]).json()


def test_api_upload_imports_csv_and_ocds_for_agencies_as_jobs(client_for, agency_user):
    agency = client_for(agency_user)
    with imports.TEMPLATE.open("rb") as handle:
        response = agency.post(
            "/api/v1/leads/import/", {"file": handle, "format": "csv"}, format="multipart"
        )
    assert "/api/v1/jobs/" in response.json()["job"]
    job = _job(agency, response)
    assert job["status"] == "done", job["error"]
    assert job["result"]["created"] == 1 and job["result"]["matched"] == 1
    assert job["progress"] == {"done": 2, "total": 2, "percent": 100.0}
    with TENDER.open("rb") as handle:
        response = agency.post(
            "/api/v1/leads/import/", {"file": handle, "format": "ocds"}, format="multipart"
        )
    assert _job(agency, response)["status"] == "done" and Lead.objects.count() == 2


def test_api_upload_errors_name_the_place(client_for, agency_user):
    agency = client_for(agency_user)
    bad = csv_file(row(budget_max="ten", budget_currency="USD"))
    job = _job(agency, agency.post("/api/v1/leads/import/", {"file": bad, "format": "csv"}))
    assert job["status"] == "failed"
    assert job["result"]["errors"] == {"row 2, column budget_max": ["not a number"]}
    assert not Lead.objects.exists()
    response = agency.post("/api/v1/leads/import/", {"format": "xls"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"format", "file"}


def test_an_agency_the_operator_has_not_approved_cannot_import_leads(client_for, db):
    """Leads are shown to vendors at once: "posting opens once approved" must hold here too."""
    for status in ("pending", "rejected"):
        user = UserFactory(organisation=OrganisationFactory(kind="agency", status=status))
        response = client_for(user).post(
            "/api/v1/leads/import/", {"file": csv_file(row()), "format": "csv"}
        )
        assert response.status_code == 403 and re.search("approv|승인", response.json()["detail"])
        with pytest.raises(PermissionDenied, match="approv|승인"):
            leads_import_csv(csv_file(row()), actor=user)
    assert not Lead.objects.exists()


def test_api_upload_is_for_agencies_only(client_for, vendor_user, municipality_user):
    for user in (vendor_user, municipality_user):
        response = client_for(user).post(
            "/api/v1/leads/import/", {"file": csv_file(row()), "format": "csv"}
        )
        assert response.status_code == 403
    assert client_for(None).post("/api/v1/leads/import/", {"format": "csv"}).status_code == 401
    assert not Lead.objects.exists()


def test_an_agency_cannot_overwrite_another_agencys_lead(client_for, agency_user):
    from tests.factories import OrganisationFactory, UserFactory

    leads_import_csv(csv_file(row(id="mine")), actor=agency_user)
    rival_user = UserFactory(organisation=OrganisationFactory(kind="agency"))
    rival = client_for(rival_user)
    response = rival.post(
        "/api/v1/leads/import/", {"file": csv_file(row(id="mine", city="X")), "format": "csv"}
    )
    job = _job(rival, response)
    assert job["status"] == "failed" and "row 2, column id" in job["result"]["errors"]
    assert Lead.objects.get(exchange_id="mine").city == ""
    # The job is the rival's own: the first agency cannot read it.
    assert client_for(agency_user).get(response["Location"]).status_code == 404


def test_api_template_download(client_for, agency_user):
    response = client_for(agency_user).get("/api/v1/leads/import/template.csv")
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200 and body.splitlines()[0] == HEADER


def test_api_upload_exchange_leads_and_ocds_default_country(client_for, agency_user):
    agency = client_for(agency_user)
    document = {
        "format": "smartcity-exchange/1",
        "leads": [{"id": "x-1", "country": "KE", "title": {"en": "Nairobi bus tracking"}}],
    }
    upload = io.BytesIO(json.dumps(document).encode())
    upload.name = "leads.json"
    response = agency.post("/api/v1/leads/import/", {"file": upload, "format": "exchange"})
    assert not Lead.objects.exists()  # imported by the job, not in the request
    assert _job(agency, response)["status"] == "done"
    assert Lead.objects.get(exchange_id="x-1").organisation == agency_user.organisation
    package = json.loads(TENDER.read_text())
    del package["releases"][0]["parties"][0]["address"]
    upload = io.BytesIO(json.dumps(package).encode())
    upload.name = "package.json"
    refused = _job(agency, agency.post("/api/v1/leads/import/", {"file": upload, "format": "ocds"}))
    assert refused["status"] == "failed" and "releases[0].buyer" in refused["result"]["errors"]
    upload.seek(0)
    response = agency.post(
        "/api/v1/leads/import/", {"file": upload, "format": "ocds", "default_country": "GB"}
    )
    assert _job(agency, response)["status"] == "done"
    assert Lead.objects.get(exchange_id="ocds-213czf-000-00001").country == "GB"


def test_api_schema_documents_the_202_with_the_job_url():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    post = schema["paths"]["/api/v1/leads/import/"]["post"]
    assert {"202", "400"} <= set(post["responses"])
    accepted = post["responses"]["202"]["content"]["application/json"]["schema"]["$ref"]
    name = accepted.rsplit("/", 1)[1]
    assert schema["components"]["schemas"][name]["properties"]["job"]["format"] == "uri"
    assert "multipart/form-data" in post["requestBody"]["content"]


# -- the exchange upload is checked by the exchange importer's validator -------------------

EXCHANGE_LEAD = {"id": "x-1", "country": "KE", "title": {"en": "Nairobi bus tracking"}}


def _upload_exchange(client, document, *, raw: bytes | None = None) -> dict:
    upload = io.BytesIO(raw if raw is not None else json.dumps(document).encode())
    upload.name = "leads.json"
    response = client.post("/api/v1/leads/import/", {"file": upload, "format": "exchange"})
    return _job(client, response)


def _exchange(**lead) -> dict:
    return {"format": "smartcity-exchange/1", "leads": [{**EXCHANGE_LEAD, **lead}]}


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"leads": [EXCHANGE_LEAD]}, "format"),
        ({"format": "smartcity-exchange/9", "leads": [EXCHANGE_LEAD]}, "format"),
        ({**_exchange(), "extra": 1}, "extra"),
        (_exchange(country="ZZ"), "leads[0].country"),
        (_exchange(budget={"max": 5, "currency": "ZZZ"}), "leads[0].budget.currency"),
        (_exchange(url="ftp://x"), "leads[0].url"),
        (_exchange(url="not a url"), "leads[0].url"),
        (_exchange(title={"en": "ok", "ko": 5}), "leads[0].title.ko"),
        (_exchange(city=123), "leads[0].city"),
        (_exchange(buyer={"en": "B"}), "leads[0].buyer"),
        (_exchange(budget={"max": True, "currency": "USD"}), "leads[0].budget.max"),
        (_exchange(budget={"max": 1e30, "currency": "USD"}), "leads[0].budget.max"),
        (_exchange(id="l" * 100), "leads[0].id"),
        (_exchange(title={"en": "t" * 600}), "leads[0].title.en"),
        ({**_exchange(), "vendors": [{"id": "v-1", "name": {"en": "V"}}]}, "vendors"),
    ],
)
def test_api_exchange_upload_is_refused_as_import_exchange_refuses_it(
    client_for, agency_user, document, where
):
    job = _upload_exchange(client_for(agency_user), document)
    assert job["status"] == "failed" and where in job["result"]["errors"], job
    assert not Lead.objects.exists()


def test_api_exchange_upload_with_a_huge_budget_fails_by_path_and_stores_nothing(
    client_for, agency_user
):
    """It used to be stored, then fail matching with a raw InvalidOperation, and break the
    lead list for everyone on SQLite."""
    agency = client_for(agency_user)
    job = _upload_exchange(agency, _exchange(budget={"max": 1e30, "currency": "USD"}))
    assert job["result"]["errors"]["leads[0].budget.max"] == ["too large to store: 1e+30"]
    assert "InvalidOperation" not in job["error"]
    assert not Lead.objects.exists()
    assert agency.get("/api/v1/leads/").status_code == 200


def test_api_exchange_upload_accepts_a_bom_and_warns_of_a_currency_without_a_rate(
    client_for, agency_user
):
    raw = b"\xef\xbb\xbf" + json.dumps(_exchange(budget={"max": 5, "currency": "GBP"})).encode()
    job = _upload_exchange(client_for(agency_user), None, raw=raw)
    assert job["status"] == "done", job
    assert job["result"]["warnings"][0][0] == "leads[0].budget.currency"
    assert Lead.objects.get().budget_currency == "GBP"


def test_api_exchange_upload_of_the_same_leads_again_reports_them_unchanged(
    client_for, agency_user
):
    agency = client_for(agency_user)
    _upload_exchange(agency, _exchange())
    again = _upload_exchange(agency, _exchange())
    assert (again["result"]["created"], again["result"]["updated"]) == (0, 0)
    assert again["result"]["unchanged"] == 1


# -- ISO codes and budgets in CSV and OCDS ------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"country": "ZZ"}, "country"),
        ({"budget_max": "5", "budget_currency": "ZZZ"}, "budget_currency"),
        ({"budget_max": "1e30", "budget_currency": "USD"}, "budget_max"),
        ({"budget_max": "-1", "budget_currency": "USD"}, "budget_max"),
    ],
)
def test_csv_codes_and_budgets_are_checked_and_named_by_column(agency_user, cells, column):
    with pytest.raises(LeadImportInvalid) as refused:
        leads_import_csv(csv_file(row(**cells)), actor=agency_user)
    assert [where for where, _ in refused.value.report.errors] == [f"row 2, column {column}"]


def _package(**tender) -> dict:
    release = {"ocid": "ocds-213czf-1", "tender": {"title": "Bus tracking", **tender}}
    return {"version": "1.1", "releases": [release]}


def _ocds_errors(raw: bytes, **kwargs) -> dict[str, str]:
    with pytest.raises(LeadImportInvalid) as refused:
        leads_import_ocds(io.BytesIO(raw), default_country="VN", **kwargs)
    return dict(refused.value.report.errors)


def test_ocds_with_a_byte_order_mark_imports(agency_user):
    raw = b"\xef\xbb\xbf" + json.dumps(_package()).encode()
    report = leads_import_ocds(io.BytesIO(raw), actor=agency_user, default_country="VN")
    assert report.created == 1


def test_ocds_errors_name_the_files_path_not_the_leads_field(agency_user):
    huge = json.dumps(_package(value={"amount": 1e30, "currency": "USD"})).encode()
    assert "releases[0].tender.value.amount" in _ocds_errors(huge, actor=agency_user)
    unknown = json.dumps(_package(value={"amount": 5, "currency": "ZZZ"})).encode()
    assert "releases[0].tender.value.currency" in _ocds_errors(unknown, actor=agency_user)


def test_ocds_model_level_errors_are_mapped_to_the_files_paths(agency_user, monkeypatch):
    def refuse_every_field(data, where):
        return [(where(name), "refused") for name in ("budget_max", "title_en", "exchange_id")]

    monkeypatch.setattr(imports, "_lead_errors", refuse_every_field)
    errors = _ocds_errors(json.dumps(_package()).encode(), actor=agency_user)
    assert set(errors) == {
        "releases[0].tender.value.amount", "releases[0].tender.title", "releases[0].ocid"
    }  # fmt: skip


def test_ocds_releases_that_are_not_an_array_are_said_to_be_so(agency_user):
    errors = _ocds_errors(json.dumps({"releases": {}}).encode(), actor=agency_user)
    assert errors == {"releases": "must be an array of releases"}
