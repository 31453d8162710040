"""A dataset's transform spec (workflows/datasets.ts TransformSpec, passed in as its JSON) applied in plain
Python: the Glue job's rule logic, kept free of Spark so that the machine's python3 can unit-test it.

It implements each rule kind once, exactly as local/transform-sql.ts does in DuckDB SQL, so that a batch
gives the same counts, the same typed rows and the same quarantined records on AWS as on a laptop:
  read records -> header check -> first broken rule per record -> typed rows -> in-batch dedupe -> summary.
Standard library only (python3 >= 3.9).
"""
import csv
import datetime
import decimal
import io
import json
import math
import re
import sys
import threading
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
# DECIMAL(p,s), 1 <= p <= 38, s <= p (workflows/column-types.ts decimalShape).
DECIMAL_TYPE = re.compile(r"DECIMAL\(([0-9]{1,2}),([0-9]{1,2})\)", re.ASCII)
# Schema columns that do not come from the raw record but from the job's arguments: a column's "batch"
# value (workflows/datasets.ts BATCH_VALUES) and the context key that holds it.
BATCH_CONTEXT = {"region": "region", "sourceObject": "source_object", "ingestedAt": "ingested_at"}
# Columns of a quarantined record ahead of its raw values (local/transform-sql.ts `rejected`).
REJECTED_LEADING_COLUMNS = ("record_no", "rule", "field_count", "source_object")
# The cleansed rows' order in this script's output (the local transform writes its batch file unordered;
# the parity test in test/glue.test.ts compares in this order, unique within a batch).
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
    """The --transform_spec argument is not a transform spec this script understands."""


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


def csv_dialect_problems(fmt, prefix="format."):
    """What is wrong with a csv format's dialect, as handlers/core/csv-records.ts csvDialectProblems says it:
    each character one ASCII character other than CR and LF (one byte of UTF-8, as the local byte reader
    needs), the two different."""
    problems = []
    delimiter, quote = fmt.get("delimiter", ","), fmt.get("quote", '"')
    shown = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731 - as JSON.stringify shows it
    for name, value in (("delimiter", delimiter), ("quote", quote)):
        if not isinstance(value, str) or len(value) != 1 or ord(value) > 127 or value in "\r\n":
            problems.append(f"{prefix}{name} is {shown(value)}: it must be one ASCII character other than CR and LF")
    if delimiter == quote:
        problems.append(f"{prefix}quote is {shown(quote)}, the same as {prefix}delimiter: they must differ")
    return problems


def validate_spec(spec):
    """Checks the spec's shape once, so that a bad --transform_spec fails before any data is read."""

    def need(cond, what):
        if not cond:
            raise TransformSpecError(
                f"transform spec: {what}. Set --transform_specs to the workflow's transform specs "
                "(infra/pipeline-stack.ts passes them) and redeploy."
            )

    def need_date_format(fmt, where):
        try:
            date_format_parts(fmt or "")
        except ValueError as e:
            need(False, f"{where}: {e}")

    need(isinstance(spec, dict), "it is not a JSON object")
    fmt = spec.get("format", {"kind": "csv"})
    need(isinstance(fmt, dict) and isinstance(fmt.get("kind"), str), f"'format' is {fmt!r}, not an object with a 'kind'")
    if fmt["kind"] == "csv":
        for problem in csv_dialect_problems(fmt):
            need(False, problem)
    for key in ("rawColumns", "rules", "schema", "dedupeKey", "dedupeOrder"):
        need(isinstance(spec.get(key), list), f"'{key}' is missing or not a list")
    need(spec.get("dedupeKeep", "first") in ("first", "last"), "'dedupeKeep' must be 'first' or 'last'")
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
        need(
            col.get("type") in SQL_TYPES or decimal_shape(col.get("type")) is not None,
            f"column {col!r} has an unknown type",
        )
        if "derived" in col:
            continue  # parsed, with the columns it reads, by derived_columns below
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
    try:
        derived_columns(spec)
    except ExpressionError as e:
        need(False, str(e))
    return spec


# ---- derived columns: the shared expression subset (workflows/expressions.ts, decision 0031) ----------
#
# The same grammar as the TypeScript parser, evaluated with int and decimal.Decimal (exact: a context of
# 80 digits, twice what the definition-time check allows), SQL's NULL as None. The type checks are done
# once at definition time (workflows/expressions-check.ts), so this side only refuses what it cannot read.

EXPRESSION_FUNCTIONS = ("coalesce", "round")
_EXACT = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP, traps=[decimal.InvalidOperation, decimal.Inexact])
# round(x, n): half away from zero (DuckDB's round of a DECIMAL, Spark's HALF_UP), the one inexact step.
_ROUNDING = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP, traps=[decimal.InvalidOperation])
_KEYWORDS = {"and", "or", "not", "is", "null", "case", "when", "then", "else", "end", "cast", "as", "true", "false"}
_OPERATORS = ("<=", ">=", "<>", "=", "<", ">", "+", "-", "*", "(", ")", ",")
_COMPARISONS = ("=", "<>", "<", "<=", ">", ">=")


class ExpressionError(ValueError):
    """A derived expression outside the shared subset (the definition-time check names the fix)."""


def _at_scale(value, scale):
    """A Decimal at exactly `scale` places (never rounding: the checker allows only exact rescaling)."""
    out = value.quantize(decimal.Decimal(1).scaleb(-scale), context=_EXACT)
    return out.copy_abs() if out.is_zero() else out


def _tokenize(source):
    tokens, i = [], 0
    while i < len(source):
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        at = i
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            while i < len(source) and source[i].isascii() and (source[i].isalnum() or source[i] == "_"):
                i += 1
            tokens.append(("word", source[at:i], at))
        elif "0" <= ch <= "9":
            while i < len(source) and "0" <= source[i] <= "9":
                i += 1
            if i < len(source) and source[i] == ".":
                i += 1
                start = i
                while i < len(source) and "0" <= source[i] <= "9":
                    i += 1
                if i == start:
                    raise ExpressionError(f"`{source}`: a decimal needs digits after its point (offset {at})")
            tokens.append(("number", source[at:i], at))
        elif ch == "'":
            value, i = "", i + 1
            while True:
                if i >= len(source):
                    raise ExpressionError(f"`{source}`: the string at offset {at} has no closing '")
                if source[i] == "'":
                    if source[i + 1 : i + 2] == "'":
                        raise ExpressionError(f"`{source}`: a quote inside a string literal (offset {i}) is not in the subset")
                    i += 1
                    break
                if source[i] == "\\":
                    raise ExpressionError(f"`{source}`: a backslash inside a string literal (offset {i}) is not in the subset")
                value, i = value + source[i], i + 1
            tokens.append(("string", value, at))
        else:
            op = next((o for o in _OPERATORS if source.startswith(o, i)), None)
            if op is None:
                raise ExpressionError(f"`{source}`: {ch!r} at offset {at} is not in the shared subset")
            tokens.append(("op", op, at))
            i += len(op)
    tokens.append(("end", "", len(source)))
    return tokens


def parse_expression(source):
    """The AST of a derived expression, as nested tuples: ("column", name), ("number", Decimal|int),
    ("string", s), ("boolean", b), ("negate", x), ("arith", op, l, r), ("compare", op, l, r),
    ("and"|"or", l, r), ("not", x), ("isNull", x, negated), ("case", [(when, then)], else|None),
    ("coalesce", [args]), ("cast", x, type), ("round", x, places)."""
    tokens = _tokenize(source)
    pos = [0]

    def peek():
        return tokens[pos[0]]

    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]

    def is_word(t, w):
        return t[0] == "word" and t[1].lower() == w

    def is_op(t, o):
        return t[0] == "op" and t[1] == o

    def fail(t, expected):
        raise ExpressionError(f"`{source}`: expected {expected} at offset {t[2]}, found {t[1] or 'the end'!r}")

    def expect_word(w):
        t = take()
        if not is_word(t, w):
            fail(t, w.upper())

    def expect_op(o):
        t = take()
        if not is_op(t, o):
            fail(t, repr(o))

    def expr():
        left = conj()
        while is_word(peek(), "or"):
            take()
            left = ("or", left, conj())
        return left

    def conj():
        left = negation()
        while is_word(peek(), "and"):
            take()
            left = ("and", left, negation())
        return left

    def negation():
        if is_word(peek(), "not"):
            take()
            return ("not", negation())
        return test()

    def test():
        left = total()
        t = peek()
        if t[0] == "op" and t[1] in _COMPARISONS:
            take()
            right = total()
            after = peek()
            if (after[0] == "op" and after[1] in _COMPARISONS) or is_word(after, "is"):
                fail(after, "AND between comparisons")
            return ("compare", t[1], left, right)
        if is_word(t, "is"):
            take()
            negated = is_word(peek(), "not")
            if negated:
                take()
            expect_word("null")
            return ("isNull", left, negated)
        return left

    def total():
        left = product()
        while is_op(peek(), "+") or is_op(peek(), "-"):
            op = take()[1]
            left = ("arith", op, left, product())
        return left

    def product():
        left = unary()
        while is_op(peek(), "*"):
            take()
            left = ("arith", "*", left, unary())
        return left

    def unary():
        if is_op(peek(), "-"):
            take()
            return ("negate", unary())
        return atom()

    def atom():
        t = take()
        if t[0] == "number":
            return ("number", decimal.Decimal(t[1]) if "." in t[1] else int(t[1]))
        if t[0] == "string":
            return ("string", t[1])
        if is_op(t, "("):
            inner = expr()
            expect_op(")")
            return inner
        if t[0] != "word":
            fail(t, "a column, a literal, CASE, CAST or a function")
        word = t[1].lower()
        if word in ("true", "false"):
            return ("boolean", word == "true")
        if word == "case":
            whens = []
            while is_word(peek(), "when"):
                take()
                when = expr()
                expect_word("then")
                whens.append((when, expr()))
            if not whens:
                fail(peek(), "WHEN")
            otherwise = None
            if is_word(peek(), "else"):
                take()
                otherwise = expr()
            expect_word("end")
            return ("case", whens, otherwise)
        if word == "cast":
            expect_op("(")
            arg = expr()
            expect_word("as")
            name = take()
            type_text = name[1].upper()
            if type_text == "DECIMAL" and is_op(peek(), "("):
                take()
                p = take()[1]
                expect_op(",")
                s = take()[1]
                expect_op(")")
                type_text = f"DECIMAL({p},{s})"
            if type_text not in SQL_TYPES and decimal_shape(type_text) is None:
                fail(name, "a type")
            expect_op(")")
            return ("cast", arg, type_text)
        if is_op(peek(), "("):
            if word not in EXPRESSION_FUNCTIONS:
                raise ExpressionError(f"`{source}`: {word} is not in the shared subset (offset {t[2]})")
            expect_op("(")
            args = [expr()]
            while is_op(peek(), ","):
                take()
                args.append(expr())
            expect_op(")")
            if word == "coalesce":
                if len(args) < 2:
                    fail(t, "coalesce with two arguments or more")
                return ("coalesce", args)
            if len(args) != 2 or args[1][0] != "number" or not isinstance(args[1][1], int):
                fail(t, "round(value, integer)")
            return ("round", args[0], args[1][1])
        if word in _KEYWORDS:
            fail(t, "a column, a literal, CASE, CAST or a function")
        return ("column", t[1])

    result = expr()
    if peek()[0] != "end":
        fail(peek(), "an operator or the end")
    return result


def _compare(op, a, b):
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
    }[op]


def _arith(op, a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b if op == "+" else a - b if op == "-" else a * b
    a, b = decimal.Decimal(a), decimal.Decimal(b)
    return _EXACT.add(a, b) if op == "+" else _EXACT.subtract(a, b) if op == "-" else _EXACT.multiply(a, b)


def evaluate(node, row):
    """The value of a parsed expression over `row` (column name -> typed value), SQL NULL as None."""
    kind = node[0]
    if kind == "column":
        return row[node[1]]
    if kind in ("number", "string", "boolean"):
        return node[1]
    if kind == "negate":
        v = evaluate(node[1], row)
        return None if v is None else -v if isinstance(v, int) else _EXACT.minus(v)
    if kind in ("arith", "compare"):
        a = evaluate(node[2], row)
        b = evaluate(node[3], row)
        if a is None or b is None:
            return None
        return _arith(node[1], a, b) if kind == "arith" else _compare(node[1], a, b)
    if kind in ("and", "or"):
        a, b = evaluate(node[1], row), evaluate(node[2], row)
        decisive = kind == "or"  # TRUE decides an OR, FALSE an AND
        if a is decisive or b is decisive:
            return decisive
        return None if a is None or b is None else not decisive
    if kind == "not":
        v = evaluate(node[1], row)
        return None if v is None else not v
    if kind == "isNull":
        return (evaluate(node[1], row) is None) != node[2]
    if kind == "case":
        for when, then in node[1]:
            if evaluate(when, row) is True:
                return evaluate(then, row)
        return None if node[2] is None else evaluate(node[2], row)
    if kind == "coalesce":
        for arg in node[1]:
            v = evaluate(arg, row)
            if v is not None:
                return v
        return None
    if kind == "round":
        v = evaluate(node[1], row)
        return None if v is None else v.quantize(decimal.Decimal(1).scaleb(-node[2]), context=_ROUNDING)
    # cast
    v = evaluate(node[1], row)
    return None if v is None else _cast(v, node[2])


def _cast(v, type_text):
    shape = decimal_shape(type_text)
    if shape:
        return _at_scale(decimal.Decimal(v), shape[1])
    if type_text == "VARCHAR":
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, datetime.date):
            return v.isoformat()
        return str(v)
    return v


def derived_columns(spec):
    """name -> function(named typed values so far) -> the column's value at its declared type, for every
    derived column; each reads only typed, non-batch columns before it (ExpressionError otherwise)."""
    out, readable = {}, set()
    for col in spec["schema"]:
        if "derived" in col:
            node = parse_expression(col["derived"])
            unknown = [n for n in _columns_of(node) if n not in readable]
            if unknown:
                raise ExpressionError(
                    f"derived column {col['name']!r} reads {unknown[0]!r}, which is not a typed column before it"
                )
            out[col["name"]] = _finisher(node, col["type"])
        if "batch" not in col:
            readable.add(col["name"])
    return out


def _finisher(node, type_text):
    shape = decimal_shape(type_text)

    def value(row):
        v = evaluate(node, row)
        if v is None or shape is None:
            return v
        return _at_scale(decimal.Decimal(v), shape[1])

    return value


def _columns_of(node):
    if node[0] == "column":
        return [node[1]]
    found = []
    for part in node[1:]:
        if isinstance(part, tuple):
            found += _columns_of(part)
        elif isinstance(part, list):
            for item in part:
                found += _columns_of(item) if isinstance(item[0], str) else _columns_of(item[0]) + _columns_of(item[1])
    return found


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


def csv_dialect(spec):
    """The (delimiter, quote) of the spec's `format` (a `csv` one; absent: the excel dialect's `,` and `"`)."""
    fmt = spec.get("format", {"kind": "csv"})
    if fmt.get("kind") != "csv":
        raise TransformSpecError(
            f"transform spec: format {fmt.get('kind')!r} is not read as CSV; this reading is for a csv format"
        )
    return fmt.get("delimiter", ","), fmt.get("quote", '"')


def read_records(text, delimiter=",", quote='"'):
    """Records exactly as `csv.reader(io.StringIO(text, newline=''), delimiter=delimiter, quotechar=quote)`
    reads them (doublequote, no escape character, strict=False: the excel dialect but for the two
    characters), blank records skipped.

    The field size limit is lifted while reading: the local reader has none, and one huge field must not
    make the AWS job fail where the local run succeeds."""
    previous = csv.field_size_limit(2**31 - 1)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
        return [r for r in reader if r]
    finally:
        csv.field_size_limit(previous)


# ---- the JSON Lines and Parquet formats (workflows/datasets.ts DatasetFormat) ---------------------------
#
# Every format becomes the same records of text fields in rawColumns order, so the rules below run
# unchanged; each function is the twin of a TypeScript one (handlers/core/json-records.ts,
# jsonl-records.ts, parquet-records.ts) and test/jsonl-engines.test.ts runs both over the same lines.

# The rule of a record its format's reader could not make fields of (a JSON line out of shape).
RECORD_SHAPE = "record_shape"
# The largest integer a double holds exactly: beyond it a JSON reader may have changed the number.
EXACT_INTEGER = 2**53
# JSON's whitespace: a line of only these is blank (JSON.parse and json.loads skip the same characters).
BLANK_LINE = re.compile(r"[ \t\r]*")
JSON_TYPES = {"string": str, "number": float, "boolean": bool}


@dataclass
class BrokenRecord:
    """A record out of shape: the rule it breaks, its raw text (the first raw columns) and why."""

    rule: str
    raw: list
    problem: str = ""


def js_number_text(x):
    """A double as JavaScript's String(x) writes it (ECMAScript Number::toString): the shortest digits that
    read back as x (Python's repr gives them), in plain notation for 1e-7 < |x| < 1e21, else e-notation."""
    if x != x:
        return "NaN"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + js_number_text(-x)
    if x == math.inf:
        return "Infinity"
    mantissa, _, exponent = repr(float(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    leading = len(all_digits) - len(digits)
    digits = digits.rstrip("0")
    k = len(digits)
    # x = 0.<digits> * 10^n, as the spec puts it: s * 10^(n - k)
    n = len(whole) + (int(exponent) if exponent else 0) - leading
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    sign = "+" if n - 1 >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{head}e{sign}{abs(n - 1)}"


def _not_json_constant(name):
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def parse_json_line(line):
    """A JSON text as JSON.parse reads it: NaN/Infinity refused, every number a double (an integer
    becomes one first, as in JavaScript), nesting as deep as it goes; ValueError when it is not JSON."""
    try:
        return json.loads(line, parse_constant=_not_json_constant, parse_int=float)
    except RecursionError:
        return _parse_deep(line)


# JSON.parse nests without limit; Python's parser recurses. A line nested beyond the default limit is
# parsed again on a thread with a stack this big and a recursion limit of DEEP_NESTING.
DEEP_STACK_BYTES = 512 * 1024 * 1024
DEEP_NESTING = 1_000_000


def _parse_deep(line):
    out = {}

    def run():
        try:
            out["value"] = json.loads(line, parse_constant=_not_json_constant, parse_int=float)
        except (ValueError, RecursionError) as e:
            out["error"] = e

    limit = sys.getrecursionlimit()
    stack = threading.stack_size(DEEP_STACK_BYTES)
    sys.setrecursionlimit(max(limit, DEEP_NESTING))
    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    finally:
        threading.stack_size(stack)
        sys.setrecursionlimit(limit)
    if "error" in out:
        raise out["error"]
    return out["value"]


def field_locations(fields, raw_columns):
    """(column, path keys, JSON type or None, required) per raw column (absent: the key of its name)."""
    out = []
    for column in raw_columns:
        f = (fields or {}).get(column, column)
        if isinstance(f, str):
            f = {"path": f}
        path = [] if f["path"] == "" else f["path"].split(".")
        out.append((column, path, f.get("type"), bool(f.get("required", False))))
    return out


_MISSING = object()


def _value_at(value, path):
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def json_scalar_text(v):
    """(text, None) of a JSON scalar, or (None, why it has none)."""
    if isinstance(v, str):
        return v, None
    if isinstance(v, bool):
        return ("true" if v else "false"), None
    if isinstance(v, float):
        if v.is_integer() and abs(v) > EXACT_INTEGER:
            return None, f"the number {js_number_text(v)}, an integer beyond 2^53: write it as a JSON string"
        return js_number_text(v), None
    return None, "an object or array: name a path into it"


def json_record_fields(record, fields, raw_columns):
    """A parsed JSON record -> (its text fields in raw-column order, None), or (None, why it is out of
    shape): handlers/core/json-records.ts jsonRecordFields."""
    if not isinstance(record, dict):
        return None, "it is not a JSON object"
    out = []
    for column, path, json_type, required in field_locations(fields, raw_columns):
        v = _value_at(record, path)
        wrong_type = json_type is not None and not (
            isinstance(v, JSON_TYPES[json_type]) and not (json_type == "number" and isinstance(v, bool))
        )
        if v is _MISSING or v is None or wrong_type:
            if required:
                return None, f"it has no {'.'.join(path)!r} that is {'a JSON ' + json_type if json_type else 'a value'}"
            out.append("")
            continue
        text, problem = json_scalar_text(v)
        if problem:
            return None, f"its {'.'.join(path)!r} is {problem}"
        out.append(text)
    return out, None


def read_jsonl(text, spec):
    """A decoded JSON Lines text -> records, the header (rawColumns) first: each non-blank line's fields,
    or a BrokenRecord(record_shape) keeping the line when it is not JSON or out of shape."""
    raw_columns = list(spec["rawColumns"])
    fields = spec.get("format", {}).get("fields")
    records = [raw_columns]
    for number, line in enumerate(text.split("\n"), start=1):
        if BLANK_LINE.fullmatch(line):
            continue
        if line.endswith("\r"):
            line = line[:-1]
        try:
            value = parse_json_line(line)
        except (ValueError, RecursionError) as e:
            records.append(BrokenRecord(RECORD_SHAPE, [line], f"line {number} is not JSON ({cap_text(str(e))})"))
            continue
        out, problem = json_record_fields(value, fields, raw_columns)
        records.append(out if problem is None else BrokenRecord(RECORD_SHAPE, [line], f"line {number}: {problem}"))
    return records


def _instant_text(value):
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    text = f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    return text + (f".{value.microsecond:06d}" if value.microsecond else "") + "Z"


def parquet_value_text(value):
    """A value Spark reads from Parquet (Row values after collect) -> its text field, as
    handlers/core/parquet-records.ts writes it: int in digits, float as JavaScript's text, Decimal exactly
    at its scale, date YYYY-MM-DD, datetime an ISO-8601 UTC instant (a naive one is UTC: the job runs in
    UTC), bool true/false, str as is, None ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number_text(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime):
        return _instant_text(value)
    if isinstance(value, datetime.date):
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    if isinstance(value, str):
        return value
    raise TypeError(
        f"a Parquet value of type {type(value).__name__} has no text; the ingest step refuses such columns "
        "(check that bronze holds what ingest accepted)"
    )


def parquet_records(rows, spec):
    """A Parquet file's rows (each the values of rawColumns, in order) -> records, the header first."""
    return [list(spec["rawColumns"])] + [[parquet_value_text(v) for v in row] for row in rows]


def records_of(source, spec):
    """The records of a batch, the header first, by the dataset's format: `source` is the decoded text
    (csv, jsonLines) or the rows of values (parquet)."""
    kind = spec.get("format", {"kind": "csv"})["kind"]
    if kind == "jsonLines":
        return read_jsonl(source, spec)
    if kind == "parquet":
        return parquet_records(source, spec)
    if kind != "csv":
        raise TransformSpecError(f"transform spec: the Glue job does not read the {kind!r} format")
    return read_records(source, *csv_dialect(spec))


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
    dataset: str = ""

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


def decimal_shape(sql_type):
    """(precision, scale) of a DECIMAL(p,s) type, else None."""
    m = DECIMAL_TYPE.fullmatch(sql_type or "")
    if not m:
        return None
    precision, scale = int(m.group(1)), int(m.group(2))
    return (precision, scale) if 1 <= precision <= 38 and scale <= precision else None


def parse_decimal(value, precision, scale):
    """A DECIMAL(precision, scale) text written exactly -> decimal.Decimal at that scale, else None (never a float)."""
    if not fits_decimal(value, precision, scale):
        return None
    return _at_scale(decimal.Decimal(value), scale)


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
    shape = decimal_shape(sql_type)
    if shape:
        return parse_decimal(raw, *shape)
    return raw


def typed_row(fields, spec, context, index=None, derived=None):
    """A record that passed every rule -> a tuple in schema order (local/transform-sql.ts typedSelectSql);
    a derived column is evaluated from the typed values of the columns before it."""
    index = index or _raw_index(spec)
    derived = derived if derived is not None else derived_columns(spec)
    if not derived:  # no column reads another: the row needs no names (most specs, every big batch)
        return tuple(
            context[BATCH_CONTEXT[col["batch"]]] if "batch" in col else typed_value(fields[index[raw_source(col)]], col)
            for col in spec["schema"]
        )
    out, named = [], {}
    for col in spec["schema"]:
        if "batch" in col:
            value = context[BATCH_CONTEXT[col["batch"]]]
        elif "derived" in col:
            value = derived[col["name"]](named)
        else:
            value = typed_value(fields[index[raw_source(col)]], col)
        out.append(value)
        named[col["name"]] = value
    return tuple(out)


def _greatest_first_key(values):
    """Sort key for 'greatest wins' with NULLs losing, as DuckDB's DESC NULLS LAST."""
    return tuple((v is not None, v if v is not None else 0) for v in values)


def transform(text, spec, *, region, source_object, ingested_at):
    """Applies the spec to a batch (records_of: a dataset's decoded text, or a Parquet file's rows); the
    first record is the header."""
    validate_spec(spec)
    records = records_of(text, spec)
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
    keep_last = spec.get("dedupeKeep", "first") == "last"
    width = len(spec["rawColumns"])
    index = _raw_index(spec)

    rejected, rules, kept = [], {}, {}
    batch_rules = BatchRules(spec, index)
    derived = derived_columns(spec)
    body = records[1:]
    for record_no, fields in enumerate(body, start=1):
        if isinstance(fields, BrokenRecord):
            # No fields (field count 0), its raw text in the first raw columns, as every engine records it.
            rules[fields.rule] = rules.get(fields.rule, 0) + 1
            raw = [fields.raw[i] if i < len(fields.raw) else None for i in range(width)]
            rejected.append((record_no, fields.rule, 0, source_object, *raw))
            continue
        rule = broken_rule(fields, spec, index)
        if rule is None:
            rule = batch_rules.broken(fields)
        if rule is not None:
            rules[rule] = rules.get(rule, 0) + 1
            raw = [fields[i] if i < len(fields) else None for i in range(width)]
            rejected.append((record_no, rule, len(fields), source_object, *raw))
            continue
        row = typed_row(fields, spec, context, index, derived)
        # An empty dedupe key keeps every valid record: each is a key of its own.
        key = tuple(row[i] for i in key_at) if key_at else (record_no,)
        rank = _greatest_first_key(row[i] for i in order_at)
        best = kept.get(key)
        # Strictly greater replaces: on a tie the first record wins (ORDER BY ..., record_no), or the
        # last with dedupeKeep 'last' (ORDER BY ..., record_no DESC).
        if best is None or rank > best[0] or (keep_last and not best[0] > rank):
            kept[key] = (rank, row)

    # In dedupe-key order (unique once deduped), NULL last, as the TypeScript transform writes them.
    rows = sorted(
        (row for _, row in kept.values()),
        key=lambda r: tuple((r[i] is None, r[i] if r[i] is not None else 0) for i in key_at),
    )
    valid = len(body) - len(rejected)
    return TransformResult(
        columns=columns,
        rows=rows,
        rejected_columns=[*REJECTED_LEADING_COLUMNS, *spec["rawColumns"]],
        rejected=rejected,
        read=len(body),
        duplicates=valid - len(rows),
        rules=dict(sorted(rules.items())),
        dataset=spec["name"],
    )


def batch_summary(result, *, batch_id, region, source_object, data_file, rejected_file):
    """The batch summary (handlers/core/contracts.ts batchSummarySchema) the DQ step evaluates."""
    return {
        "batchId": batch_id,
        "dataset": result.dataset,
        "region": region,
        "sourceObject": source_object,
        "read": result.read,
        "cleansed": result.cleansed,
        "quarantined": result.quarantined,
        "duplicates": result.duplicates,
        "rules": dict(result.rules),
        "files": {"data": data_file, "rejected": rejected_file if result.quarantined > 0 else None},
    }
