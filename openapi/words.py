"""Our own descriptions for the OpenAPI documents: short, for the people who call this server."""

from __future__ import annotations

import re
from typing import Any

RESOURCE_WORDS = {
    "catalog": ("catalog", "catalogs"),
    "category": ("category", "categories"),
    "productOffering": ("product offering", "product offerings"),
    "productOfferingPrice": ("product offering price", "product offering prices"),
    "productSpecification": ("product specification", "product specifications"),
    "importJob": ("import job", "import jobs"),
    "exportJob": ("export job", "export jobs"),
    "hub": ("event subscription", "event subscriptions"),
    "productOrder": ("product order", "product orders"),
    "cancelProductOrder": ("cancellation request", "cancellation requests"),
    "product": ("product", "products"),
}

QUERY_HELP = (
    "Filter with `attribute=value` (comma-separated values mean OR), operators `.gt .gte .lt "
    ".lte .eq .ne` or `[gt]`, and dotted paths into nested objects and arrays "
    "(`productOfferingPrice.priceType=recurring`). Sort with `sort=name,-lastUpdate`. "
    "Page with `offset`/`limit`; the response is 206 when more results exist. "
    "Catalog entities list their current version unless `version` is given."
)

_VERBS = {
    "list": ("List {plural}", "Returns {plural}. " + QUERY_HELP),
    "create": (
        "Create a {singular}",
        "Creates a {singular}; the server assigns `id` and `href` and answers 201 with a "
        "`Location` header.",
    ),
    "retrieve": (
        "Get a {singular}",
        "Returns the current version of one {singular}; `fields` narrows the attributes.",
    ),
    "patch": (
        "Change a {singular}",
        "Partially updates a {singular}. Send a merge patch (`application/merge-patch+json` "
        "or plain `application/json`) or a JSON Patch (`application/json-patch+json`). "
        "Server-owned attributes cannot be changed. A change to a released entity stores a "
        "new version and keeps the old one readable. `If-Match` is honoured.",
    ),
    "delete": ("Delete a {singular}", "Removes a {singular}; answers 204 with no body."),
    "registerListener": (
        "Subscribe to events",
        "Registers a callback that receives this API's notifications.",
    ),
    "unregisterListener": (
        "Unsubscribe",
        "Removes an event subscription; nothing more is sent to its callback.",
    ),
    "retrieveListener": (
        "Show a subscription",
        "Shows an event subscription (an extension: the standard defines no read of it).",
    ),
}

DEFINITIONS = {
    "Catalog": "A collection of categories and offerings that a provider sells from.",
    "Category": "A grouping of offerings (and sub-categories) used to browse a catalog.",
    "ProductOffering": "Something a customer can order: a commercial wrapper around a "
    "product specification, with prices, terms and relationships.",
    "ProductOfferingPrice": "A price (one-time, recurring, usage or an alteration) that "
    "applies to offerings.",
    "ProductSpecification": "The technical definition of a product and its characteristics.",
    "ImportJob": "An asynchronous job that loads catalog entities from a file.",
    "ExportJob": "An asynchronous job that writes catalog entities to a file.",
    "Error": "The body of every error answer.",
    "EventSubscription": "A registered callback for notifications.",
    "EventSubscriptionInput": "What a subscriber sends to register a callback.",
    "TimePeriod": "A span of time; either end may be open.",
    "Money": "An amount in a currency.",
    "Quantity": "An amount with its unit.",
    "Duration": "A length of time in a unit.",
    "Any": "A value of any JSON type.",
    "JobStateType": "Where an import or export job stands.",
    "BundledProductOfferingOption": "How many of a bundled offering may or must be chosen.",
    "ProductOfferingRelationship": "A typed link from one offering to another "
    "(requires, excludes, ...).",
    "ProductSpecificationCharacteristic": "A characteristic a product of this specification "
    "has, with its allowed values.",
    "ProductSpecificationCharacteristicValueUse": "How an offering narrows a characteristic "
    "of its specification.",
    "CharacteristicValueSpecification": "One allowed value or range of a characteristic.",
    "ProductPriceValue": "An amount with and without tax.",
    "POPAlteration": "A change applied to a price, such as a discount.",
    "RelatedParty": "A party playing a role for this entity.",
    "ProductOrder": "A customer's request for products: what to add, change or remove, "
    "validated and priced against the catalog.",
    "ProductOrderItem": "One line of an order: an action on one product, with its offering, "
    "configuration and price.",
    "CancelProductOrder": "A request to cancel an order that has not yet reached the point "
    "of no return.",
    "ProductOrderStateType": "Where an order stands: acknowledged, inProgress, completed, ...",
    "ProductOrderItemStateType": "Where one order item stands.",
    "TaskStateType": "Where a cancellation request stands.",
    "OrderItemActionType": "What an order item does to a product: add, modify, delete, noChange.",
    "OrderPrice": "A price of an order or item as the server computed it.",
    "Price": "An amount with and without tax, or a percentage.",
    "PriceAlteration": "A change to a price, such as a discount, and how long it applies.",
    "Characteristic": "A named value that configures a product.",
    "Product": "A product a customer has, or will have once the order is done.",
    "OrderItemRelationship": "A typed link from one order item to another in the same order.",
    "Note": "A remark written on the order.",
    "ProductStatusType": "Where an installed product stands: created, pendingActive, active, "
    "suspended, pendingTerminate, terminated, cancelled, aborted.",
    "ProductRelationship": "A typed link from one product to another (bundled, ...).",
    "ProductPrice": "A price the customer pays for a product, as the order promised it.",
    "ProductTerm": "A commitment the customer agreed to for a product.",
    "RelatedProductOrderItem": "The order item that made a product what it is.",
    "TargetProductSchema": "Where the schema of a product's extra attributes is.",
}

_EVENT_KINDS = {
    "CreateEvent": "was created",
    "AttributeValueChangeEvent": "had attributes changed",
    "StateChangeEvent": "changed its lifecycle status",
    "DeleteEvent": "was deleted",
    "BatchEvent": "was changed in a batch",
}

PROPERTIES = {
    "id": "Identifier, assigned by the server for resources.",
    "href": "Address of this resource.",
    "name": "Name, as shown to people.",
    "description": "Free text about this entity.",
    "version": "Version label of this entity; a released entity changes by new versions.",
    "lifecycleStatus": "Lifecycle state, e.g. In Study, In Design, In Test, Active, Launched, "
    "Retired, Obsolete, Rejected.",
    "lastUpdate": "When the server last changed this entity (UTC).",
    "validFor": "When this entity is valid.",
    "@type": "Name of the class of this entity.",
    "@baseType": "Name of the parent class when this entity is a subclass.",
    "@schemaLocation": "Address of a JSON schema with extra attributes.",
    "@referredType": "Class of the entity this reference points to.",
    "eventId": "Identifier of this notification.",
    "eventTime": "When the notification was produced.",
    "eventType": "Name of the notification.",
    "correlationId": "Identifier that ties related requests and notifications together.",
    "callback": "Address the notifications are posted to.",
    "query": "Which notifications the subscriber wants.",
    "code": "Machine-readable error code.",
    "reason": "Short human-readable reason.",
    "message": "What went wrong and how to correct it.",
    "status": "HTTP status code, or the state of a job.",
    "isBundle": "True when this entity groups others.",
    "isSellable": "False when it can only be sold inside a bundle.",
    "priceType": "Kind of price: oneTime, recurring, usage, discount, ...",
    "relationshipType": "How the two entities relate: requires, excludes, contains, ...",
    "state": "Where the resource stands; set by the server, never by the client.",
    "action": "What this item does to the product: add, modify, delete or noChange.",
    "quantity": "How many of this item (a positive integer, default 1).",
    "externalId": "The caller's own reference for this order; unique per customer.",
    "orderDate": "When the server accepted the order (UTC).",
    "itemPrice": "Prices of this item, computed by the server from the catalog.",
    "itemTotalPrice": "Totals of this item by price type and period.",
    "orderTotalPrice": "Totals of the order by price type and period.",
    "productOrderItem": "The items of the order (or the child items of a bundle item).",
    "cancellationReason": "Why the order is or should be cancelled.",
}

PARAMETERS = {
    "fields": "Comma-separated attributes to return (`id` and `href` always come); "
    "`none` returns only those two.",
    "offset": "Index of the first result to return (default 0).",
    "limit": "Maximum number of results to return (default 100, at most 1000).",
    "id": "Identifier of the {singular}.",
}

HEADERS = {
    "X-Total-Count": "Number of resources that match the query.",
    "X-Result-Count": "Number of resources in this answer.",
    "Location": "Address of the created resource.",
    "ETag": "Version tag; send it back in `If-Match` to guard a change.",
}

STATUS = {
    "200": "OK",
    "201": "Created",
    "204": "Deleted",
    "206": "Partial page of the results",
    "400": "The request is not valid; the body says why",
    "401": "Authentication is missing or wrong",
    "403": "Not allowed for this caller",
    "404": "No such resource",
    "405": "Method not supported here",
    "409": "Conflicts with the current state",
    "500": "Unexpected server failure",
}

JSON_PATCH_OPERATION: dict[str, Any] = {
    "description": "One RFC 6902 operation.",
    "type": "object",
    "required": ["op", "path"],
    "properties": {
        "op": {"type": "string", "enum": ["add", "remove", "replace", "move", "copy", "test"]},
        "path": {"type": "string", "description": "JSON Pointer to the target."},
        "from": {"type": "string", "description": "Source pointer for move and copy."},
        "value": {"description": "Value for add, replace and test."},
    },
}


def _split(operation_id: str) -> tuple[str, str]:
    if operation_id in _VERBS:  # operations with words of their own (the hub's)
        return operation_id, ""
    match = re.match(r"(list|create|retrieve|patch|delete)(\w+)", operation_id)
    if not match:
        return operation_id, ""
    verb, resource = match.groups()
    return verb, resource[0].lower() + resource[1:]


def _words(resource: str) -> tuple[str, str]:
    return RESOURCE_WORDS.get(resource, (resource, resource + "s"))


def operation_summary(operation_id: str) -> str:
    verb, resource = _split(operation_id)
    singular, plural = _words(resource)
    return _VERBS[verb][0].format(singular=singular, plural=plural)


def operation_text(operation_id: str, resource: str) -> str:
    verb, _ = _split(operation_id)
    singular, plural = _words(resource)
    return _VERBS[verb][1].format(singular=singular, plural=plural)


def body_text(method: str, resource: str) -> str:
    singular, _ = _words(resource)
    return f"The {singular} to create." if method == "post" else f"The changes to the {singular}."


def definition_text(name: str) -> str | None:
    if name in DEFINITIONS:
        return DEFINITIONS[name]
    for suffix, what in _EVENT_KINDS.items():
        if name.endswith(suffix + "Payload"):
            return f"The entity that {what}."
        if name.endswith(suffix):
            return f"Notification that a {_spaced(name[: -len(suffix)])} {what}."
    if name.endswith("_Create"):
        return f"What a client sends to create a {_spaced(name[:-7])}."
    if name.endswith("_Update"):
        return f"What a client may change in a {_spaced(name[:-7])}."
    if name.endswith("Ref"):
        return f"A reference to a {_spaced(name[:-3])}."
    if name.endswith("RefOrValue"):
        return f"A {_spaced(name[:-10])}, by reference or by value."
    return None


def _spaced(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", " ", camel).lower()


def property_text(name: str) -> str | None:
    return PROPERTIES.get(name)


def parameter_text(name: str, resource: str) -> str:
    singular, _ = _words(resource)
    return PARAMETERS.get(name, name).format(singular=singular)


def header_text(name: str) -> str:
    return HEADERS.get(name, name)


def status_text(status: str) -> str:
    return STATUS.get(status, status)


def tag_text(tag: str) -> str:
    return f"Operations on {_words(tag)[1]}."


def api_text(title: str) -> str:
    return (
        f"{title}, version 4, served by tmf-adapter. Errors are TMF `Error` bodies. "
        "Lists support TMF630 filtering, `fields`, `sort` and paging."
    )
