"""The TMF630 query parser: what it accepts, what it refuses, and how it types values."""

from __future__ import annotations

import pytest

from core.errors import InvalidQuery
from core.query import MAX_LIMIT, parse_query
from core.schema import ResourceSchemas


def parse(schemas: ResourceSchemas, *pairs: tuple[str, str]):  # type: ignore[no-untyped-def]
    return parse_query(list(pairs), schemas, "ProductOffering")


def test_plain_equality_and_comma_means_any_of(schemas: ResourceSchemas) -> None:
    query = parse(schemas, ("lifecycleStatus", "Active,Launched"))
    (condition,) = query.conditions
    assert condition.attribute.path == ("lifecycleStatus",)
    assert condition.op == "eq"
    assert condition.values == ("Active", "Launched")


@pytest.mark.parametrize("name", ["validFor.startDateTime.gte", "validFor.startDateTime[gte]"])
def test_operator_suffix_and_bracket_forms_are_the_same(
    schemas: ResourceSchemas, name: str
) -> None:
    (condition,) = parse(schemas, (name, "2026-01-05T11:00:00+01:00")).conditions
    assert condition.op == "gte"
    assert condition.values == ("2026-01-05T10:00:00.000Z",)  # dates normalized to UTC


def test_dotted_path_through_an_array_is_known_to_cross_it(schemas: ResourceSchemas) -> None:
    (condition,) = parse(schemas, ("productOfferingPrice.priceType", "recurring")).conditions
    assert condition.attribute.through_array == (True, False)


def test_values_are_typed_by_the_schema(schemas: ResourceSchemas) -> None:
    query = parse(
        schemas,
        ("isBundle", "TRUE"),
        ("bundledProductOffering.bundledProductOfferingOption.numberRelOfferLowerLimit.gt", "1"),
    )
    assert query.conditions[0].values == (True,)
    assert query.conditions[1].values == (1,)


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (("colour", "red"), "has no attribute 'colour'"),
        (("validFor", "x"), "is an object"),
        (("isBundle", "maybe"), "is not true or false"),
        (("isBundle.gt", "true"), "only be compared with eq or ne"),
        (("lastUpdate.gt", "yesterday"), "is not a date-time"),
        (("name.gt", "a,b"), "takes one value"),
        (("name[like]", "a"), "unknown operator"),
        (("limit", "ten"), "not a whole number"),
        (("limit", str(MAX_LIMIT + 1)), f"between 0 and {MAX_LIMIT}"),
        (("offset", "-1"), "between 0 and"),
        (("offset", str(10**20)), "between 0 and"),
        (
            (
                "bundledProductOffering.bundledProductOfferingOption.numberRelOfferLowerLimit",
                str(10**30),
            ),
            "out of the range",
        ),
        (("productOfferingPrice.price.taxIncludedAmount.value", "nan"), "out of the range"),
        (("sort", "productOfferingPrice.name"), "not one value"),
        (("fields", "nonsense"), "has no attribute"),
        (("name;drop table", "x"), "not an attribute path"),
    ],
)
def test_mistakes_are_invalid_queries_that_say_why(
    schemas: ResourceSchemas, pair: tuple[str, str], message: str
) -> None:
    with pytest.raises(InvalidQuery) as caught:
        parse(schemas, pair)
    assert message in caught.value.message


def test_every_problem_is_reported_together(schemas: ResourceSchemas) -> None:
    with pytest.raises(InvalidQuery) as caught:
        parse(schemas, ("colour", "red"), ("limit", "x"))
    assert len(caught.value.problems) == 2


def test_sort_fields_and_paging(schemas: ResourceSchemas) -> None:
    query = parse(
        schemas,
        ("sort", "name,-lastUpdate"),
        ("fields", "name,validFor.startDateTime"),
        ("offset", "5"),
        ("limit", "0"),
    )
    assert [(k.attribute.path, k.descending) for k in query.sort] == [
        (("name",), False),
        (("lastUpdate",), True),
    ]
    assert query.fields == (("name",), ("validFor", "startDateTime"))
    assert (query.offset, query.limit) == (5, 0)
    assert parse(schemas, ("fields", "none")).fields == ()
