"""The Red Book registry seed: the shipped data, the reader and the cross-file validator.

Facts checked against the published sources named in the seed itself (saiga aerial surveys,
IUCN reclassification of the saiga, the fifth-edition additions); corrupted copies of the seed
must give :class:`RowError` records naming file, row and field, never an exception.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.taxa.seed_format import (
    RANKS,
    SEED_DIR,
    SPECS,
    PartialDate,
    ReleaseRow,
    RowError,
    SeedData,
    SeedRow,
    TaxonRow,
    load,
    read_file,
    validate,
)

VERTEBRATE_CLASSES = {"Mammalia", "Aves", "Reptilia", "Amphibia", "Actinopterygii"}
HYPOTHESIS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- helpers
def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)  # RFC 4180: CR and LF quoted


@contextmanager
def seed_copy() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "seed"
        shutil.copytree(SEED_DIR, target)
        yield target


def _class_of(taxon: TaxonRow, by_name: dict[str, TaxonRow]) -> str | None:
    node: TaxonRow | None = taxon
    while node is not None:
        if node.rank == "class":
            return node.scientific_name
        node = by_name.get(node.parent)
    return None


def _has(errors: list[RowError], file: str, row: int, field: str) -> bool:
    return any(e.file == file and e.row == row and e.field == field for e in errors)


def _seed() -> SeedData:
    return load(SEED_DIR)


# --------------------------------------------------------------------------- the shipped seed
def test_shipped_seed_validates_with_zero_errors() -> None:
    assert [str(e) for e in validate(SEED_DIR)] == []


def test_every_spec_has_a_shipped_file_with_exactly_its_header() -> None:
    for name, spec in SPECS.items():
        header = _rows(SEED_DIR / name)[0]
        assert header == [c.name for c in spec.columns], name


def test_at_least_40_vertebrate_species_named_in_kazakh_russian_and_english() -> None:
    data = _seed()
    by_name = {t.scientific_name: t for t in data.taxa}
    named = [
        t
        for t in data.taxa
        if t.rank in ("species", "subspecies")
        and _class_of(t, by_name) in VERTEBRATE_CLASSES
        and t.name_kk
        and t.name_ru
        and t.name_en
    ]
    assert len(named) >= 40
    listed = [t for t in named if t.red_book_status == "listed"]
    assert len(listed) >= 40


def test_every_taxon_reaches_animalia_through_its_parents() -> None:
    data = _seed()
    by_name = {t.scientific_name: t for t in data.taxa}
    for taxon in data.taxa:
        chain = [taxon.scientific_name]
        while by_name[chain[-1]].parent:
            chain.append(by_name[chain[-1]].parent)
        assert chain[-1] == "Animalia", chain
        ranks = [RANKS.index(by_name[n].rank) for n in chain]
        assert ranks == sorted(ranks, reverse=True), chain


def test_kazakh_names_use_kazakh_letters() -> None:
    by_name = {t.scientific_name: t for t in _seed().taxa}
    assert by_name["Panthera uncia"].name_kk.casefold() == "барыс"
    assert by_name["Saiga tatarica"].name_kk.casefold() == "ақбөкен"
    assert by_name["Gazella subgutturosa"].name_kk.casefold() == "қарақұйрық"
    assert by_name["Panthera uncia"].authorship == "(Schreber, 1775)"
    assert by_name["Felis chaus"].authorship == "Schreber, 1777"
    kazakh_letters = set("әғқңөұүһі")
    with_kazakh_letters = [
        t for t in by_name.values() if kazakh_letters & set(t.name_kk.casefold())
    ]
    assert len(with_kazakh_letters) >= 40


def test_national_and_iucn_category_schemes() -> None:
    data = _seed()
    national = [
        c.code for c in sorted(data.categories, key=lambda c: c.order) if c.scheme == "national"
    ]
    iucn = [c.code for c in sorted(data.categories, key=lambda c: c.order) if c.scheme == "iucn"]
    assert national == ["I", "II", "III", "IV", "V"]
    assert iucn == ["EX", "EW", "CR", "EN", "VU", "NT", "LC", "DD", "NE"]


def test_editions_and_the_current_fifth_edition() -> None:
    editions = {e.code: e for e in _seed().editions}
    assert list(editions) == [
        "RB-1978",
        "RB-1991",
        "RB-1996",
        "RB-2003-INV",
        "RB-2008-VERT",
        "RB-5",
    ]
    assert [c for c, e in editions.items() if e.is_current] == ["RB-5"]
    assert editions["RB-2003-INV"].scope == "invertebrates"
    assert "217" in editions["RB-5"].notes


def test_saiga_series_matches_the_published_aerial_surveys() -> None:
    data = _seed()
    national = {
        p.year_start: p.value
        for p in data.population_estimates
        if p.scientific_name == "Saiga tatarica" and p.area == "Kazakhstan" and p.value is not None
    }
    assert national[2003] == 21000
    assert national[2019] == 334400
    assert national[2021] == 842000
    assert national[2022] == 1318000
    assert national[2023] == 1915000
    assert national[2024] == 2833600
    by_population_2024 = sum(
        p.value or 0
        for p in data.population_estimates
        if p.scientific_name == "Saiga tatarica" and p.year_start == 2024 and p.area != "Kazakhstan"
    )
    assert by_population_2024 == 2833600  # Ural 1,620,000 + Betpak-Dala 1,150,000 + Ustyurt 63,600
    iucn = {
        a.year: a.iucn_category
        for a in data.assessments
        if a.scientific_name == "Saiga tatarica" and not a.edition
    }
    assert iucn == {2002: "CR", 2023: "NT"}


def test_prey_species_are_marked_not_listed_without_assessment_or_sensitivity() -> None:
    data = _seed()
    by_name = {t.scientific_name: t for t in data.taxa}
    assessed = {a.scientific_name for a in data.assessments}
    prey = [
        "Capra sibirica",
        "Cervus canadensis sibiricus",
        "Sus scrofa",
        "Capreolus pygargus",
        "Martes foina",
    ]
    for name in prey:
        assert by_name[name].red_book_status == "not_listed"
        assert by_name[name].sensitivity_category is None
        assert name not in assessed


def test_fifth_edition_additions() -> None:
    added = {
        c.scientific_name
        for c in _seed().listing_changes
        if c.change == "added" and c.to_edition == "RB-5" and not c.uncertain
    }
    assert {"Felis chaus", "Aegypius monachus"} <= added


def test_programmes_and_releases() -> None:
    data = _seed()
    kinds = {p.code: p.kind for p in data.programmes}
    assert kinds["HOUBARA-IFHC-KZ"] == "breeding_centre"
    assert {p.started for p in data.programmes if p.code == "HOUBARA-IFHC-KZ"} == {2009}
    big = [r for r in data.releases if r.date == PartialDate(2014, 4, 14)]
    assert [r.count for r in big] == [2000]
    assert {r.programme for r in data.releases} <= set(kinds)


# --------------------------------------------------------------------------- reader units
def _one_file(text: str | bytes, name: str = "releases.csv") -> list[SeedRow | RowError]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return list(read_file(path, SPECS[name]))


def _errors(items: list[SeedRow | RowError]) -> list[RowError]:
    assert all(isinstance(i, RowError) for i in items), items
    return [i for i in items if isinstance(i, RowError)]


RELEASE_HEADER = "programme,date,place,scientific_name,count,sex,age,marks,notes,uncertain\n"


def test_reader_types_partial_dates_and_counts_rows_from_the_header() -> None:
    items = _one_file(
        "\ufeff" + RELEASE_HEADER + 'P,2014,"Betpak-Dala, north",Otis tarda,3,,,,"two\nlines",\n'
        "P,2014-04-14,,Otis tarda,1,female,adult,,,TRUE\n"
    )
    first, second = items
    assert isinstance(first, ReleaseRow) and isinstance(second, ReleaseRow)
    assert (first.row, first.date, first.place, first.count) == (
        2,
        PartialDate(2014),
        "Betpak-Dala, north",
        3,
    )
    assert (first.uncertain, first.sex, first.notes) == (False, "", "two\nlines")
    assert (second.row, str(second.date), second.sex, second.uncertain) == (
        3,
        "2014-04-14",
        "female",
        True,
    )


def test_reader_reports_bad_cells_with_row_and_field() -> None:
    errors = _errors(_one_file(RELEASE_HEADER + "P,2014-02-30,,X y,many,alien,,,,maybe\n"))
    assert {(e.row, e.field) for e in errors} == {
        (2, "date"),
        (2, "count"),
        (2, "sex"),
        (2, "uncertain"),
    }


def test_reader_rejects_values_longer_than_the_database_column() -> None:
    errors = _errors(_one_file(RELEASE_HEADER + f"P,2014,{'x' * 301},X y,1,,,,,\n"))
    assert [(e.row, e.field, e.reason) for e in errors] == [
        (2, "place", "301 characters; at most 300 allowed")
    ]


def test_reader_structural_errors() -> None:
    assert _one_file("") == [
        RowError("releases.csv", 0, "", "the file is empty (a header row is required)")
    ]
    missing = _errors(_one_file("programme,date\nP,2014\n"))
    assert {(e.row, e.field) for e in missing} == {(1, "scientific_name"), (1, "count")}
    short = _one_file(RELEASE_HEADER + "P,2014\n")
    assert short == [RowError("releases.csv", 2, "", "expected 10 fields, found 2")]
    latin1 = _one_file(
        (RELEASE_HEADER + "P,2014,X,X y,1,,,,,\nP,2014,Almat\xfd,X y,1,,,,,\n").encode("latin-1")
    )
    assert isinstance(latin1[0], ReleaseRow)  # rows before the bad line stream through
    assert [(e.row, e.field) for e in _errors(latin1[1:])] == [(3, "")]
    assert "line 3" in _errors(latin1[1:])[0].reason
    bad_quote = _one_file(RELEASE_HEADER + 'P,2014,"a"b,X y,1,,,,,\nP,2015,,X y,1,,,,,\n')
    assert [(e.row, e.reason[:13]) for e in _errors(bad_quote[:1])] == [(2, "malformed CSV")]
    assert isinstance(bad_quote[1], ReleaseRow) and bad_quote[1].row == 3  # reading went on


def test_duplicate_listing_change_and_backwards_editions() -> None:
    with seed_copy() as seed:
        header, rows = _data_rows(seed, "listing_changes.csv")
        swapped = [rows[0][0], rows[0][2], rows[0][1], "removed", "", "", "false"]
        _write(seed / "listing_changes.csv", [header, *rows, list(rows[0]), swapped])
        errors = validate(seed)
    n = len(rows)
    assert _has(errors, "listing_changes.csv", n + 2, "change")
    assert _has(errors, "listing_changes.csv", n + 3, "to_edition")


def test_missing_file_is_an_error_of_that_file() -> None:
    with seed_copy() as seed:
        (seed / "synonyms.csv").unlink()
        errors = validate(seed)
    assert [(e.file, e.row) for e in errors] == [("synonyms.csv", 0)]


# --------------------------------------------------------------------------- corrupted copies
def _data_rows(seed: Path, name: str) -> tuple[list[str], list[list[str]]]:
    rows = _rows(seed / name)
    return rows[0], rows[1:]


@HYPOTHESIS
@given(file=st.sampled_from(sorted(SPECS)), column=st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
def test_unknown_column(file: str, column: str) -> None:
    known = {c.name for c in SPECS[file].columns}
    column = column if column not in known else column + "_x"
    with seed_copy() as seed:
        header, rows = _data_rows(seed, file)
        _write(seed / file, [[*header, column]] + [[*r, "1"] for r in rows])
        errors = validate(seed)
    assert _has(errors, file, 1, column)


@HYPOTHESIS
@given(data=st.data(), code=st.from_regex(r"[A-Z0-9]{1,4}", fullmatch=True))
def test_unknown_category(data: st.DataObject, code: str) -> None:
    with seed_copy() as seed:
        header, rows = _data_rows(seed, "assessments.csv")
        column = data.draw(st.sampled_from(["national_category", "iucn_category"]))
        col = header.index(column)
        known = {r[1] for r in _rows(seed / "categories.csv")[1:]}
        code = code if code not in known else code + "Q"
        i = data.draw(st.integers(0, len(rows) - 1))
        rows[i][col] = code
        if column == "national_category" and not rows[i][header.index("edition")]:
            rows[i][header.index("edition")] = "RB-5"
        _write(seed / "assessments.csv", [header, *rows])
        errors = validate(seed)
    assert _has(errors, "assessments.csv", i + 2, column)


@HYPOTHESIS
@given(data=st.data())
def test_duplicate_taxon_name(data: st.DataObject) -> None:
    with seed_copy() as seed:
        header, rows = _data_rows(seed, "taxa.csv")
        i = data.draw(st.integers(0, len(rows) - 1))
        _write(seed / "taxa.csv", [header, *rows, list(rows[i])])
        errors = validate(seed)
    assert _has(errors, "taxa.csv", len(rows) + 2, "scientific_name")


@HYPOTHESIS
@given(data=st.data(), parent=st.from_regex(r"[A-Z][a-z]{2,10}", fullmatch=True))
def test_unknown_parent(data: st.DataObject, parent: str) -> None:
    with seed_copy() as seed:
        header, rows = _data_rows(seed, "taxa.csv")
        names = {r[0] for r in rows}
        parent = parent if parent not in names else parent + "zz"
        i = data.draw(st.integers(1, len(rows) - 1))  # row 0 is the kingdom
        rows[i][header.index("parent")] = parent
        _write(seed / "taxa.csv", [header, *rows])
        errors = validate(seed)
    assert _has(errors, "taxa.csv", i + 2, "parent")


@HYPOTHESIS
@given(data=st.data())
def test_cycle_in_the_parent_chain(data: st.DataObject) -> None:
    with seed_copy() as seed:
        header, rows = _data_rows(seed, "taxa.csv")
        index = {r[0]: k for k, r in enumerate(rows)}
        low = data.draw(
            st.sampled_from([k for k, r in enumerate(rows) if r[2] in ("genus", "species")])
        )
        chain = [low]
        while rows[chain[-1]][3]:
            chain.append(index[rows[chain[-1]][3]])
        high = data.draw(st.sampled_from(chain[1:]))
        rows[high][3] = rows[low][0]  # the ancestor now hangs below its descendant
        _write(seed / "taxa.csv", [header, *rows])
        errors = validate(seed)
    cycle_rows = {
        e.row
        for e in errors
        if e.file == "taxa.csv" and e.field == "parent" and "cycle" in e.reason
    }
    assert {low + 2, high + 2} <= cycle_rows


@HYPOTHESIS
@given(data=st.data(), rank=st.text(min_size=1, max_size=12))
def test_bad_rank(data: st.DataObject, rank: str) -> None:
    with seed_copy() as seed:
        header, rows = _data_rows(seed, "taxa.csv")
        i = data.draw(st.integers(0, len(rows) - 1))
        rank = rank if rank.strip() not in RANKS else "tribe"
        rows[i][header.index("rank")] = rank
        _write(seed / "taxa.csv", [header, *rows])
        errors = validate(seed)
    assert _has(errors, "taxa.csv", i + 2, "rank")


@HYPOTHESIS
@given(data=st.data())
def test_rank_out_of_order(data: st.DataObject) -> None:
    with seed_copy() as seed:
        header, rows = _data_rows(seed, "taxa.csv")
        i = data.draw(st.sampled_from([k for k, r in enumerate(rows) if r[2] == "family"]))
        rows[i][2] = data.draw(st.sampled_from(["kingdom", "phylum", "class"]))
        _write(seed / "taxa.csv", [header, *rows])
        errors = validate(seed)
    assert _has(errors, "taxa.csv", i + 2, "rank") or _has(errors, "taxa.csv", i + 2, "parent")


BAD_NUMBERS = st.one_of(
    st.from_regex(r"-[1-9][0-9]{0,6}", fullmatch=True),
    st.text(alphabet="abcxyz,;%/ ", min_size=1, max_size=8).filter(lambda s: s.strip() != ""),
    st.sampled_from(["1e5", "nan", "inf", "2 833 600", "1,5"]),
)


@HYPOTHESIS
@given(data=st.data(), bad=BAD_NUMBERS)
def test_bad_numbers(data: st.DataObject, bad: str) -> None:
    with seed_copy() as seed:
        file, column = data.draw(
            st.sampled_from(
                [
                    ("population_estimates.csv", "value"),
                    ("population_estimates.csv", "lower"),
                    ("population_estimates.csv", "year_start"),
                    ("releases.csv", "count"),
                    ("categories.csv", "order"),
                    ("taxa.csv", "sensitivity_category"),
                ]
            )
        )
        header, rows = _data_rows(seed, file)
        i = data.draw(st.integers(0, len(rows) - 1))
        rows[i][header.index(column)] = bad
        _write(seed / file, [header, *rows])
        errors = validate(seed)
    assert _has(errors, file, i + 2, column)


@HYPOTHESIS
@given(data=st.data(), junk=st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: st.DataObject, junk: bytes) -> None:
    with seed_copy() as seed:
        file = data.draw(st.sampled_from(sorted(SPECS)))
        (seed / file).write_bytes(junk)
        errors = validate(seed)
    assert all(isinstance(e, RowError) for e in errors)
    assert any(e.file == file for e in errors)


@HYPOTHESIS
@given(data=st.data(), text=st.text(max_size=40))
def test_arbitrary_cell_edits_never_raise(data: st.DataObject, text: str) -> None:
    with seed_copy() as seed:
        file = data.draw(st.sampled_from(sorted(SPECS)))
        header, rows = _data_rows(seed, file)
        i = data.draw(st.integers(0, len(rows) - 1))
        j = data.draw(st.integers(0, len(header) - 1))
        rows[i][j] = text
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(
            [header, *rows]
        )  # a bare CR stays unquoted
        (seed / file).write_text(buffer.getvalue(), encoding="utf-8", newline="")
        errors = validate(seed)
    assert all(isinstance(e, RowError) and e.file in SPECS for e in errors)


def test_documentation_names_every_file_and_column() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "registry-csv.md").read_text(
        encoding="utf-8"
    )
    for name, spec in SPECS.items():
        assert f"`{name}`" in doc, name
        for column in spec.columns:
            assert f"`{column.name}`" in doc, (name, column.name)
