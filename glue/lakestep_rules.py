"""The statistics transform spec (workflows/datasets.ts STATISTICS, passed in as its JSON) applied in plain
Python: the Glue job's rule logic, kept free of Spark so that the machine's python3 can unit-test it.

It implements each rule kind once, exactly as local/transform-sql.ts does in DuckDB SQL, so that a batch
gives the same counts, the same typed rows and the same quarantined records on AWS as on a laptop:
  read records -> header check -> first broken rule per record -> typed rows -> in-batch dedupe -> summary.
Standard library only (python3 >= 3.9).
"""
import csv
import datetime
import io
import re
from dataclasses import dataclass, field

RULE_KINDS = (
    "fieldCount",
    "pattern",
    "notNull",
    "acceptedValues",
    "integer",
    "unsignedInteger",
    "decimal",
    "date",
    "yyddmmDate",
    "isoInstant",
    "uniqueInBatch",
)
# Rule kinds that check a list of columns ("columns"); the others check one ("column") or none.
MULTI_COLUMN_KINDS = ("notNull", "integer", "unsignedInteger", "decimal", "uniqueInBatch")
# Rule kinds checked over the batch after the record rules (workflows/row-rules.ts isBatchRowRule).
BATCH_RULE_KINDS = ("uniqueInBatch",)
SQL_TYPES = ("VARCHAR", "BIGINT", "DATE", "TIMESTAMP", "BOOLEAN")
# Schema columns that do not come from the raw record but from the job's arguments: a column's "batch"
# value (workflows/datasets.ts BATCH_VALUES) and the context key that holds it.
BATCH_CONTEXT = {"region": "region", "sourceObject": "source_object", "ingestedAt": "ingested_at"}
# Columns of a quarantined record ahead of its raw values (local/transform-sql.ts `rejected`).
REJECTED_LEADING_COLUMNS = ("record_no", "rule", "field_count", "source_object")
# The cleansed rows' order in this script's output (the local transform writes its batch file unordered;
# the parity test in test/glue.test.ts compares in this order, unique within a batch).
CLEANSED_ORDER = ("trending_date", "video_id")
BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)
BOOLEANS = {"True": True, "TRUE": True, "False": False, "FALSE": False}

YYDDMM = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{2})", re.ASCII)
ISO_INSTANT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z", re.ASCII
)
UNSIGNED = re.compile(r"[0-9]+", re.ASCII)
SIGNED = re.compile(r"-?[0-9]+", re.ASCII)
DECIMAL = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?", re.ASCII)
# Characters a date format may hold between its fields (workflows/row-rules.ts DATE_LITERALS).
DATE_LITERALS = " -./:,_T"
DATE_FIELDS = {"Y": ("year4", 4), "y": ("year2", 2), "m": ("month", 2), "d": ("day", 2)}


class TransformSpecError(ValueError):
    """The --transform_spec argument is not a statistics spec this script understands."""


class HeaderMismatch(ValueError):
    """The object's first record is not the contract header (the ingest step should have rejected it)."""


class NotUtf8(ValueError):
    """The bronze object is not UTF-8 (the ingest step should have rejected it)."""


# ---- messages ------------------------------------------------------------------------------------------

SHOWN_CHARACTERS = 120


def cap_text(value, shown=SHOWN_CHARACTERS):
    """An outside value as a message may show it (handlers/core/errors.ts capText): whole when short, else a
    short prefix and its length, so a huge header or field never grows an error, a log line or an event."""
    if len(value) <= shown:
        return value
    return f"{value[:shown]}… ({len(value)} characters)"


# ---- rule kinds: each returns the typed value, or None when the value breaks the rule ----------------


def parse_yyddmm(value):
    """`YY.DD.MM`, ASCII digits, a real calendar date in 20YY -> datetime.date, else None."""
    m = YYDDMM.fullmatch(value or "")
    if not m:
        return None
    yy, dd, mm = (int(g) for g in m.groups())
    try:
        return datetime.date(2000 + yy, mm, dd)
    except ValueError:
        return None


def parse_iso_instant(value):
    """`YYYY-MM-DDTHH:MM:SS[.ffffff]Z`, a real instant -> aware UTC datetime (microseconds), else None.

    Year 0000, hour 24 and second 60 are not instants (DuckDB's TIMESTAMP and Python's datetime agree)."""
    m = ISO_INSTANT.fullmatch(value or "")
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction = m.group(7) or ""
    micros = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return datetime.datetime(year, month, day, hour, minute, second, micros, tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def parse_unsigned_bigint(value):
    """`^[0-9]+$` within BIGINT (signed 64-bit) -> int, else None. Leading zeros are fine, as in DuckDB."""
    if not UNSIGNED.fullmatch(value or ""):
        return None
    digits = value.lstrip("0") or "0"
    # Compare lengths first: int() refuses strings over 4300 digits, and such values overflow anyway.
    if len(digits) > 19:
        return None
    n = int(digits)
    return n if n <= BIGINT_MAX else None


def parse_signed_bigint(value):
    """An optional '-' then ASCII digits, within BIGINT -> int, else None (workflows/row-rules.ts `integer`)."""
    if not SIGNED.fullmatch(value or ""):
        return None
    negative = value.startswith("-")
    digits = value.lstrip("-").lstrip("0") or "0"
    if len(digits) > 19:
        return None
    n = -int(digits) if negative else int(digits)
    return n if BIGINT_MIN <= n <= BIGINT_MAX else None


def fits_decimal(value, precision, scale):
    """True when the value is a DECIMAL(precision, scale) written exactly: never rounded."""
    m = DECIMAL.fullmatch(value or "")
    if not m:
        return False
    whole = m.group(1).lstrip("0")
    return len(whole) <= precision - scale and len(m.group(2) or "") <= scale


def date_format_parts(fmt):
    """A date format's parts: (field, offset, width) or (None, offset, literal); ValueError when it is bad."""
    parts, seen, offset, i = [], set(), 0, 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            token = fmt[i + 1] if i + 1 < len(fmt) else ""
            if token not in DATE_FIELDS:
                raise ValueError(f"date format {fmt!r}: %{token} is not one of %Y, %y, %m, %d")
            field_name, width = DATE_FIELDS[token]
            kind = "year" if field_name.startswith("year") else field_name
            if kind in seen:
                raise ValueError(f"date format {fmt!r}: the {kind} appears twice")
            seen.add(kind)
            parts.append((field_name, offset, width))
            offset += width
            i += 2
        elif ch in DATE_LITERALS:
            parts.append((None, offset, ch))
            offset += 1
            i += 1
        else:
            raise ValueError(f"date format {fmt!r}: {ch!r} is neither a field nor a separator")
    if seen != {"year", "month", "day"}:
        raise ValueError(f"date format {fmt!r}: it needs a year, a month and a day")
    return parts


def parse_date(value, fmt):
    """A real calendar date in the fixed-width format (workflows/row-rules.ts `date`) -> datetime.date, else None."""
    parts = date_format_parts(fmt)
    width = sum(p[2] if p[0] else 1 for p in parts)
    value = value or ""
    if len(value) != width:
        return None
    found = {}
    for name, offset, extra in parts:
        if name is None:
            if value[offset] != extra:
                return None
            continue
        text = value[offset : offset + extra]
        if not UNSIGNED.fullmatch(text):
            return None
        found[name] = int(text)
    year = found["year4"] if "year4" in found else 2000 + found["year2"]
    try:
        return datetime.date(year, found["month"], found["day"])
    except ValueError:
        return None


def parse_boolean(value):
    """True/TRUE/False/FALSE (as the real files spell them) -> bool; anything else -> None."""
    return BOOLEANS.get(value)


def parse_ingested_at(value):
    """The ingest step's ISO-8601 instant (Date.toISOString) -> aware UTC datetime."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"--ingested_at {value!r} is not an ISO-8601 instant; the ingest step writes one") from e
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc)


# ---- the spec ----------------------------------------------------------------------------------------


def validate_spec(spec):
    """Checks the spec's shape once, so that a bad --transform_spec fails before any data is read."""

    def need(cond, what):
        if not cond:
            raise TransformSpecError(
                f"transform spec: {what}. Set --transform_spec to JSON.stringify(STATISTICS) "
                "from workflows/datasets.ts (the CDK stack does this) and redeploy."
            )

    def need_date_format(fmt, where):
        try:
            date_format_parts(fmt or "")
        except ValueError as e:
            need(False, f"{where}: {e}")

    need(isinstance(spec, dict), "it is not a JSON object")
    for key in ("rawColumns", "rules", "schema", "dedupeKey", "dedupeOrder"):
        need(isinstance(spec.get(key), list), f"'{key}' is missing or not a list")
    raw = spec["rawColumns"]
    for rule in spec["rules"]:
        need(isinstance(rule, dict) and rule.get("kind") in RULE_KINDS, f"unknown rule {rule!r}")
        need(isinstance(rule.get("name"), str), f"rule {rule!r} has no name")
        if rule["kind"] == "fieldCount":
            need(isinstance(rule.get("expected"), int), f"rule {rule['name']} has no integer 'expected'")
        elif rule["kind"] in MULTI_COLUMN_KINDS:
            cols = rule.get("columns")
            need(isinstance(cols, list) and all(c in raw for c in cols), f"rule {rule['name']}: bad columns")
        else:
            need(rule.get("column") in raw, f"rule {rule['name']}: no raw column {rule.get('column')!r}")
        if rule["kind"] == "acceptedValues":
            need(isinstance(rule.get("values"), list), f"rule {rule['name']} has no list 'values'")
        elif rule["kind"] == "decimal":
            need(
                isinstance(rule.get("precision"), int) and isinstance(rule.get("scale"), int),
                f"rule {rule['name']} needs integer 'precision' and 'scale'",
            )
        elif rule["kind"] == "date":
            need_date_format(rule.get("format"), f"rule {rule['name']}")
    for col in spec["schema"]:
        need(col.get("type") in SQL_TYPES, f"column {col!r} has an unknown type")
        if "batch" in col:
            need(col["batch"] in BATCH_CONTEXT, f"schema column {col.get('name')!r}: unknown batch value {col['batch']!r}")
            continue
        need(
            raw_source(col) in raw,
            f"schema column {col.get('name')!r} reads {raw_source(col)!r}, which is not a raw column",
        )
        if col["type"] == "DATE":
            need_date_format(col.get("dateFormat"), f"schema column {col['name']!r}")
        if col["type"] == "BOOLEAN":
            spellings = col.get("booleans") or {}
            need(
                isinstance(spellings.get("true"), list) and isinstance(spellings.get("false"), list),
                f"schema column {col['name']!r} is BOOLEAN without its 'booleans' spellings",
            )
    names = [c["name"] for c in spec["schema"]]
    for col in spec["dedupeKey"] + spec["dedupeOrder"]:
        need(col in names, f"dedupe column {col!r} is not in the schema")
    return spec


# ---- reading -----------------------------------------------------------------------------------------


def decode_object(blob, where="the object"):
    """Bronze bytes -> text: UTF-8 with an optional leading BOM, as the contract reads them."""
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise NotUtf8(
            f"{where} is not UTF-8 (invalid bytes at {e.start}-{e.end}); the ingest step should have "
            "rejected it: check that bronze holds what ingest accepted, then rerun the object"
        ) from e


def read_records(text):
    """Records exactly as `csv.reader(io.StringIO(text, newline=''))` reads them, blank records skipped.

    The field size limit is lifted while reading: the local reader has none, and one huge field must not
    make the AWS job fail where the local run succeeds."""
    previous = csv.field_size_limit(2**31 - 1)
    try:
        return [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    finally:
        csv.field_size_limit(previous)


# ---- the transform -----------------------------------------------------------------------------------


@dataclass
class TransformResult:
    """Typed cleansed rows (tuples in schema order), quarantined records (tuples in rejected_columns
    order) and the counts the batch summary reports."""

    columns: list
    rows: list
    rejected_columns: list
    rejected: list
    read: int = 0
    duplicates: int = 0
    rules: dict = field(default_factory=dict)

    @property
    def cleansed(self):
        return len(self.rows)

    @property
    def quarantined(self):
        return len(self.rejected)


def _raw_index(spec):
    return {name: i for i, name in enumerate(spec["rawColumns"])}


def broken_rule(fields, spec, index=None):
    """The name of the first rule (in spec order) the record breaks, or None. A missing field reads as ''
    (the local transform coalesces NULL to '')."""
    index = index or _raw_index(spec)

    def value(column):
        i = index[column]
        return fields[i] if i < len(fields) else ""

    for rule in spec["rules"]:
        kind = rule["kind"]
        if kind in BATCH_RULE_KINDS:
            continue  # checked over the batch: BatchRules
        if kind == "fieldCount":
            broken = len(fields) != rule["expected"]
        elif kind == "pattern":
            broken = re.fullmatch(rule["pattern"], value(rule["column"]), re.ASCII) is None
        elif kind == "yyddmmDate":
            broken = parse_yyddmm(value(rule["column"])) is None
        elif kind == "isoInstant":
            broken = parse_iso_instant(value(rule["column"])) is None
        elif kind == "unsignedInteger":
            broken = any(parse_unsigned_bigint(value(c)) is None for c in rule["columns"])
        elif kind == "notNull":
            broken = any(value(c) == "" for c in rule["columns"])
        elif kind == "acceptedValues":
            broken = value(rule["column"]) not in rule["values"]
        elif kind == "integer":
            broken = any(_integer_broken(value(c), rule) for c in rule["columns"])
        elif kind == "decimal":
            broken = any(not fits_decimal(value(c), rule["precision"], rule["scale"]) for c in rule["columns"])
        else:  # date
            broken = parse_date(value(rule["column"]), rule["format"]) is None
        if broken:
            return rule["name"]
    return None


class BatchRules:
    """The batch rules of a spec (`uniqueInBatch`), fed the records that broke no record rule, in record
    order: `broken(fields)` names the first batch rule the record breaks (its text in the rule's columns
    was seen in an earlier kept record), or None, and then the record counts as seen for every rule."""

    def __init__(self, spec, index=None):
        index = index or _raw_index(spec)
        self.rules = [
            (rule["name"], [index[c] for c in rule["columns"]], set())
            for rule in spec["rules"]
            if rule["kind"] in BATCH_RULE_KINDS
        ]

    def broken(self, fields):
        keys = [tuple(fields[i] if i < len(fields) else "" for i in at) for _, at, _ in self.rules]
        for (name, _, seen), key in zip(self.rules, keys):
            if key in seen:
                return name
        for (_, _, seen), key in zip(self.rules, keys):
            seen.add(key)
        return None


def _integer_broken(value, rule):
    n = parse_signed_bigint(value)
    if n is None:
        return True
    low, high = rule.get("min"), rule.get("max")
    return (low is not None and n < low) or (high is not None and n > high)


def raw_source(col):
    """The raw column a schema column is typed from (workflows/datasets.ts rawSourceOf)."""
    return col.get("raw", col["name"])


def typed_value(raw, col):
    """A raw text typed as the schema column says (workflows/datasets.ts SchemaColumn); the record passed its rules."""
    sql_type = col["type"]
    if sql_type == "BOOLEAN":
        spellings = col["booleans"]
        return True if raw in spellings["true"] else False if raw in spellings["false"] else None
    if sql_type == "DATE":
        return parse_date(raw, col["dateFormat"])
    if sql_type == "TIMESTAMP":
        return parse_iso_instant(raw)
    if sql_type == "BIGINT":
        return parse_signed_bigint(raw)
    return raw


def typed_row(fields, spec, context, index=None):
    """A record that passed every rule -> a tuple in schema order (local/transform-sql.ts typedSelectSql)."""
    index = index or _raw_index(spec)
    out = []
    for col in spec["schema"]:
        if "batch" in col:
            out.append(context[BATCH_CONTEXT[col["batch"]]])
        else:
            out.append(typed_value(fields[index[raw_source(col)]], col))
    return tuple(out)


def _greatest_first_key(values):
    """Sort key for 'greatest wins' with NULLs losing, as DuckDB's DESC NULLS LAST."""
    return tuple((v is not None, v if v is not None else 0) for v in values)


def transform(text, spec, *, region, source_object, ingested_at):
    """Applies the spec to a decoded statistics text; the first record is the header."""
    validate_spec(spec)
    records = read_records(text)
    header = records[0] if records else []
    if header != list(spec["rawColumns"]):
        raise HeaderMismatch(
            f"{source_object}: its header is {[cap_text(c) for c in header[:20]]!r}, "
            f"the contract's is {spec['rawColumns']!r}; "
            "the ingest step should have rejected it. Check that the Glue job's --transform_spec is "
            "the current workflows/datasets.ts (redeploy), then rerun the object"
        )
    context = {
        "region": region,
        "source_object": source_object,
        "ingested_at": parse_ingested_at(ingested_at) if isinstance(ingested_at, str) else ingested_at,
    }
    columns = [c["name"] for c in spec["schema"]]
    position = {name: i for i, name in enumerate(columns)}
    key_at = [position[c] for c in spec["dedupeKey"]]
    order_at = [position[c] for c in spec["dedupeOrder"]]
    width = len(spec["rawColumns"])
    index = _raw_index(spec)

    rejected, rules, kept = [], {}, {}
    batch_rules = BatchRules(spec, index)
    body = records[1:]
    for record_no, fields in enumerate(body, start=1):
        rule = broken_rule(fields, spec, index)
        if rule is None:
            rule = batch_rules.broken(fields)
        if rule is not None:
            rules[rule] = rules.get(rule, 0) + 1
            raw = [fields[i] if i < len(fields) else None for i in range(width)]
            rejected.append((record_no, rule, len(fields), source_object, *raw))
            continue
        row = typed_row(fields, spec, context, index)
        key = tuple(row[i] for i in key_at)
        rank = _greatest_first_key(row[i] for i in order_at)
        best = kept.get(key)
        # Strictly greater replaces: on a tie the first record wins (ORDER BY ..., record_no).
        if best is None or rank > best[0]:
            kept[key] = (rank, row)

    sort_at = [position[c] for c in CLEANSED_ORDER if c in position]
    rows = sorted((row for _, row in kept.values()), key=lambda r: tuple(r[i] for i in sort_at))
    valid = len(body) - len(rejected)
    return TransformResult(
        columns=columns,
        rows=rows,
        rejected_columns=[*REJECTED_LEADING_COLUMNS, *spec["rawColumns"]],
        rejected=rejected,
        read=len(body),
        duplicates=valid - len(rows),
        rules=dict(sorted(rules.items())),
    )


def batch_summary(result, *, batch_id, region, source_object, data_file, rejected_file):
    """The batch summary (handlers/core/contracts.ts batchSummarySchema) the DQ step evaluates."""
    return {
        "batchId": batch_id,
        "dataset": "statistics",
        "region": region,
        "sourceObject": source_object,
        "read": result.read,
        "cleansed": result.cleansed,
        "quarantined": result.quarantined,
        "duplicates": result.duplicates,
        "rules": dict(result.rules),
        "files": {"data": data_file, "rejected": rejected_file if result.quarantined > 0 else None},
    }
