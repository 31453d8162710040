"""Unit tests of the Glue job's rule logic (lakestep_rules), and of transform_batch.main's wiring with
awsglue, pyspark and boto3 replaced by recording fakes: no Spark runs here.

The spec is the JSON of STATISTICS from workflows/datasets.ts: jest passes it in LAKESTEP_TRANSFORM_SPEC;
run alone (`python3 -m unittest discover -s glue`), the tests render it with tsx from the repo.
"""
import contextlib
import csv
import datetime
import decimal
import io
import json
import os
import subprocess
import sys
import unittest

import lakestep_rules as rules

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UTC = datetime.timezone.utc


def load_spec():
    text = os.environ.get("LAKESTEP_TRANSFORM_SPEC")
    if not text:
        script = "import {STATISTICS} from './workflows/datasets'; process.stdout.write(JSON.stringify(STATISTICS))"
        text = subprocess.run(
            ["npx", "--no-install", "tsx", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    return json.loads(text)


SPEC = load_spec()
HEADER = SPEC["rawColumns"]
GOOD = {
    "video_id": "2kyS6SvSYSE",
    "trending_date": "17.14.11",
    "title": "WE WANT TO TALK ABOUT OUR MARRIAGE",
    "channel_title": "CaseyNeistat",
    "category_id": "22",
    "publish_time": "2017-11-13T17:13:01.000Z",
    "tags": "SHANtell martin",
    "views": "748374",
    "likes": "57527",
    "dislikes": "2966",
    "comment_count": "15954",
    "thumbnail_link": "https://i.ytimg.com/vi/2kyS6SvSYSE/default.jpg",
    "comments_disabled": "False",
    "ratings_disabled": "False",
    "video_error_or_removed": "False",
    "description": "SHANTELL'S CHANNEL",
}


def record(**overrides):
    return [overrides.get(c, GOOD[c]) for c in HEADER]


def csv_text(*records, header=HEADER, newline="\r\n"):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(records)
    return buf.getvalue()


def run(text, **kw):
    args = dict(region="us", source_object="raw_statistics/region=us/USvideos.csv", ingested_at="2026-01-02T03:04:05.678Z")
    args.update(kw)
    return rules.transform(text, SPEC, **args)


def rule_of(**overrides):
    return rules.broken_rule(record(**overrides), SPEC)


class SpecTest(unittest.TestCase):
    def test_the_spec_from_workflows_is_accepted_and_uses_known_rule_kinds(self):
        rules.validate_spec(SPEC)
        self.assertLessEqual({r["kind"] for r in SPEC["rules"]}, set(rules.RULE_KINDS))

    def test_an_unknown_rule_kind_is_refused_before_any_data_is_read(self):
        bad = dict(SPEC, rules=[*SPEC["rules"], {"name": "x", "kind": "regexpish", "column": "title"}])
        with self.assertRaisesRegex(rules.TransformSpecError, "unknown rule.*--transform_spec"):
            rules.transform(csv_text(record()), bad, region="us", source_object="o", ingested_at="2026-01-01T00:00:00Z")

    def test_a_schema_column_without_a_raw_column_is_refused(self):
        bad = dict(SPEC, schema=[*SPEC["schema"], {"name": "nope", "type": "VARCHAR"}])
        with self.assertRaisesRegex(rules.TransformSpecError, "nope"):
            rules.validate_spec(bad)


class ReadingTest(unittest.TestCase):
    def test_blank_lines_are_skipped_and_not_counted(self):
        line = ",".join(record())
        text = ",".join(HEADER) + "\r\n\r\n" + line + "\r\n\n\n" + line.replace("17.14.11", "17.15.11") + "\n\n"
        result = run(text)
        self.assertEqual((result.read, result.cleansed, result.quarantined), (2, 2, 0))

    def test_scraper_quoted_tags_keep_the_characters_after_the_closing_quote(self):
        line = ",".join(record(tags="X")).replace(",X,", ',"last week tonight"|"john oliver",')
        result = run(",".join(HEADER) + "\n" + line + "\n")
        self.assertEqual(result.quarantined, 0)
        self.assertEqual(result.rows[0][result.columns.index("tags")], 'last week tonight|"john oliver"')

    def test_quoted_newlines_and_bare_crs_stay_inside_the_field(self):
        text = csv_text(record(description="line one\nline two\rline three"))
        result = run(text)
        self.assertEqual(result.read, 1)
        self.assertEqual(result.rows[0][result.columns.index("description")], "line one\nline two\rline three")

    def test_a_leading_bom_is_dropped_when_decoding_so_the_header_matches(self):
        blob = ("\ufeff" + csv_text(record())).encode("utf-8")
        self.assertEqual(run(rules.decode_object(blob)).cleansed, 1)
        with self.assertRaises(rules.HeaderMismatch):
            run(blob.decode("utf-8"))  # decoded without utf-8-sig, the BOM sticks to video_id

    def test_bytes_that_are_not_utf8_are_refused_with_their_position(self):
        with self.assertRaisesRegex(rules.NotUtf8, r"bronze object s3://b/k is not UTF-8 \(invalid bytes at 3-4\)"):
            rules.decode_object(b"abc\xff", where="bronze object s3://b/k")

    def test_a_header_other_than_the_contract_fails_loudly_naming_the_object(self):
        with self.assertRaisesRegex(rules.HeaderMismatch, "USvideos.csv: its header"):
            run(csv_text(record()[:15], header=HEADER[:15]))
        with self.assertRaises(rules.HeaderMismatch):
            run("")

    def test_a_huge_header_is_named_by_a_short_prefix_and_its_length(self):
        huge = "x" * 5_000_000
        with self.assertRaises(rules.HeaderMismatch) as caught:
            run(huge + "\r\n")
        message = str(caught.exception)
        self.assertLess(len(message), 2000)
        self.assertIn("… (5000000 characters)'], the contract's", message)

    def test_cap_text_keeps_short_values_and_cuts_long_ones_to_a_prefix_and_length(self):
        self.assertEqual(rules.cap_text("views"), "views")
        self.assertEqual(rules.cap_text("a" * 121), "a" * 120 + "… (121 characters)")
        self.assertEqual(rules.cap_text("abcdef", 3), "abc… (6 characters)")

    def test_a_field_larger_than_the_csv_modules_default_limit_is_read(self):
        result = run(csv_text(record(description="x" * 200_000)))
        self.assertEqual(result.cleansed, 1)
        self.assertEqual(csv.field_size_limit(), 131072)  # restored afterwards


class CsvDialectTest(unittest.TestCase):
    """The spec's `format` (infra/pipeline-stack.ts passes `{...transform, format}`) sets the CSV dialect."""

    SEMICOLON = {"kind": "csv", "delimiter": ";", "quote": "'"}

    def dialect_text(self, *records, fmt=SEMICOLON):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=fmt["delimiter"], quotechar=fmt["quote"], lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(records)
        return buf.getvalue()

    def test_read_records_reads_quoted_delimiters_doubled_quotes_and_line_breaks_in_the_dialect(self):
        text = "a;b;c\r\n'x;y';'it''s';'two\r\nlines'\n\n1;'q'after;\"d\",e\r\n"
        self.assertEqual(
            rules.read_records(text, ";", "'"),
            [["a", "b", "c"], ["x;y", "it's", "two\r\nlines"], ["1", "qafter", '"d",e']],
        )
        self.assertEqual(rules.read_records('a,"b,c"\n'), [["a", "b,c"]])  # the excel dialect by default

    def test_the_spec_format_picks_the_dialect_and_its_absence_the_excel_one(self):
        self.assertEqual(rules.csv_dialect(dict(SPEC, format=self.SEMICOLON)), (";", "'"))
        self.assertEqual(rules.csv_dialect({k: v for k, v in SPEC.items() if k != "format"}), (",", '"'))
        self.assertEqual(rules.csv_dialect(dict(SPEC, format={"kind": "csv", "delimiter": "\t"})), ("\t", '"'))
        with self.assertRaisesRegex(rules.TransformSpecError, "format 'jsonLines' is not read as CSV"):
            rules.csv_dialect(dict(SPEC, format={"kind": "jsonLines"}))

    def test_a_semicolon_text_transforms_as_its_comma_twin_does(self):
        records = [record(title="a; b, 'c'"), record(video_id="bad", description="x;\ny")]
        spec = dict(SPEC, format=self.SEMICOLON)
        args = dict(region="us", source_object="o", ingested_at="2026-01-02T03:04:05Z")
        semicolon = rules.transform(self.dialect_text(*records), spec, **args)
        comma = rules.transform(csv_text(*records), SPEC, **args)
        self.assertEqual((semicolon.rows, semicolon.rejected, semicolon.rules), (comma.rows, comma.rejected, comma.rules))
        self.assertEqual((semicolon.cleansed, semicolon.quarantined), (1, 1))
        self.assertEqual(semicolon.rows[0][semicolon.columns.index("title")], "a; b, 'c'")

    def test_a_comma_header_in_a_semicolon_dataset_is_a_header_mismatch(self):
        with self.assertRaises(rules.HeaderMismatch):
            rules.transform(csv_text(record()), dict(SPEC, format=self.SEMICOLON), region="us", source_object="o", ingested_at="2026-01-02T03:04:05Z")

    def test_a_bad_dialect_is_refused_before_any_data_is_read_naming_the_field(self):
        cases = (
            ({"kind": "csv", "delimiter": "ab"}, 'format.delimiter is "ab": it must be one ASCII character other than CR and LF'),
            ({"kind": "csv", "delimiter": ""}, 'format.delimiter is "": it must be one ASCII character'),
            ({"kind": "csv", "quote": "\r"}, r'format.quote is "\r": it must be one ASCII character'),
            ({"kind": "csv", "delimiter": "\u00a7"}, 'format.delimiter is "\u00a7": it must be one ASCII character'),
            ({"kind": "csv", "delimiter": 59}, "format.delimiter is 59: it must be one ASCII character"),
            ({"kind": "csv", "delimiter": '"'}, r'format.quote is "\"", the same as format.delimiter: they must differ'),
            ([], "'format' is [], not an object with a 'kind'"),
        )
        for fmt, message in cases:
            with self.subTest(fmt=fmt), self.assertRaises(rules.TransformSpecError) as caught:
                rules.validate_spec(dict(SPEC, format=fmt))
            self.assertIn(message, str(caught.exception))
        rules.validate_spec(dict(SPEC, format=self.SEMICOLON))
        rules.validate_spec(dict(SPEC, format={"kind": "csv", "delimiter": "\t"}))


class FieldCountTest(unittest.TestCase):
    def test_17_and_15_fields_break_field_count_and_keep_their_raw_values(self):
        result = run(csv_text(record() + ["extra"], record()[:15]))
        self.assertEqual(result.rules, {"field_count": 2})
        cols = result.rejected_columns
        self.assertEqual(cols[:4], ["record_no", "rule", "field_count", "source_object"])
        self.assertEqual(cols[4:], HEADER)
        seventeen, fifteen = result.rejected
        self.assertEqual(seventeen[:4], (1, "field_count", 17, "raw_statistics/region=us/USvideos.csv"))
        self.assertEqual(list(seventeen[4:]), record())  # the 17th value is not a column
        self.assertEqual(fifteen[:3], (2, "field_count", 15))
        self.assertEqual(fifteen[4:19], tuple(record()[:15]))
        self.assertIsNone(fifteen[-1])  # description is missing, not ''

    def test_field_count_is_checked_before_every_other_rule(self):
        self.assertEqual(rules.broken_rule(["not an id"], SPEC), "field_count")


class VideoIdTest(unittest.TestCase):
    def test_eleven_url_safe_ascii_characters_pass(self):
        self.assertIsNone(rule_of(video_id="-_aZ09aZ09x"))

    def test_wrong_length_spreadsheet_damage_and_non_ascii_break_video_id(self):
        for bad in ["2kyS6SvSYS", "2kyS6SvSYSEE", "#NAME?", "2kyS6SvSYSé", "2kyS6SvSYS\u0661", "2kyS6SvSYSE\n", ""]:
            with self.subTest(bad=bad):
                self.assertEqual(rule_of(video_id=bad), "video_id")


class TrendingDateTest(unittest.TestCase):
    def test_yy_dd_mm_is_read_as_a_date_in_20yy(self):
        self.assertEqual(rules.parse_yyddmm("17.14.11"), datetime.date(2017, 11, 14))
        self.assertEqual(rules.parse_yyddmm("20.29.02"), datetime.date(2020, 2, 29))  # leap year

    def test_impossible_dates_and_other_shapes_break_trending_date(self):
        for bad in ["18.30.02", "19.29.02", "17.14.13", "17.00.11", "17.14.00", "17.1.11", "2017.14.11",
                    "17-14-11", "\u0661\u0667.14.11", "17.14.11 ", ""]:
            with self.subTest(bad=bad):
                self.assertEqual(rule_of(trending_date=bad), "trending_date")


class PublishTimeTest(unittest.TestCase):
    def test_instants_with_zero_to_six_fraction_digits_are_read_as_utc_with_microseconds(self):
        cases = {
            "2017-11-13T17:13:01Z": datetime.datetime(2017, 11, 13, 17, 13, 1, tzinfo=UTC),
            "2017-11-13T17:13:01.000Z": datetime.datetime(2017, 11, 13, 17, 13, 1, tzinfo=UTC),
            "2017-11-13T17:13:01.5Z": datetime.datetime(2017, 11, 13, 17, 13, 1, 500000, tzinfo=UTC),
            "2017-11-13T23:59:59.123456Z": datetime.datetime(2017, 11, 13, 23, 59, 59, 123456, tzinfo=UTC),
            "0001-01-01T00:00:00Z": datetime.datetime(1, 1, 1, tzinfo=UTC),
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(rules.parse_iso_instant(text), expected)
                self.assertEqual(rules.parse_iso_instant(text).utcoffset(), datetime.timedelta(0))

    def test_instants_that_do_not_exist_or_are_written_otherwise_break_publish_time(self):
        for bad in ["2017-02-30T00:00:00Z", "2017-11-13T24:00:00Z", "2017-11-13T23:60:00Z",
                    "2017-11-13T23:59:60Z", "0000-01-01T00:00:00Z", "2017-11-13T17:13:01.1234567Z",
                    "2017-11-13T17:13:01", "2017-11-13 17:13:01Z", "2017-11-13T17:13:01+00:00",
                    "2017-11-13T17:13:01.Z", "2017-11-1\u0663T17:13:01Z", ""]:
            with self.subTest(bad=bad):
                self.assertEqual(rule_of(publish_time=bad), "publish_time")


class CountsTest(unittest.TestCase):
    def test_unsigned_integers_within_bigint_pass_leading_zeros_included(self):
        self.assertEqual(rules.parse_unsigned_bigint("0"), 0)
        self.assertEqual(rules.parse_unsigned_bigint("007"), 7)
        self.assertEqual(rules.parse_unsigned_bigint("9223372036854775807"), 2**63 - 1)
        self.assertEqual(rules.parse_unsigned_bigint("0" * 5000 + "1"), 1)
        self.assertIsNone(rule_of(views="9223372036854775807"))

    def test_signs_fractions_blanks_non_ascii_digits_and_overflow_break_counts(self):
        for bad in ["-1", "+1", "1.0", "1e3", " 1", "", "\u0663", "\uff11", "9223372036854775808", "9" * 5000]:
            for column in ["category_id", "views", "likes", "dislikes", "comment_count"]:
                with self.subTest(bad=bad[:30], column=column):
                    self.assertEqual(rule_of(**{column: bad}), "counts")

    def test_the_first_broken_rule_in_spec_order_is_the_reason(self):
        self.assertEqual(rule_of(video_id="bad", trending_date="x", publish_time="y", views="z"), "video_id")
        self.assertEqual(rule_of(trending_date="x", publish_time="y", views="z"), "trending_date")
        self.assertEqual(rule_of(publish_time="y", views="z"), "publish_time")


class TypedRowsTest(unittest.TestCase):
    def test_a_clean_record_becomes_a_row_of_the_spec_schema_with_the_job_context(self):
        result = run(csv_text(record(comments_disabled="TRUE", ratings_disabled="true", video_error_or_removed="")))
        self.assertEqual(result.columns, [c["name"] for c in SPEC["schema"]])
        row = dict(zip(result.columns, result.rows[0]))
        self.assertEqual(row["region"], "us")
        self.assertEqual(row["source_object"], "raw_statistics/region=us/USvideos.csv")
        self.assertEqual(row["ingested_at"], datetime.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))
        self.assertEqual(row["trending_date"], datetime.date(2017, 11, 14))
        self.assertEqual(row["publish_time"], datetime.datetime(2017, 11, 13, 17, 13, 1, tzinfo=UTC))
        self.assertEqual((row["category_id"], row["views"], row["comment_count"]), (22, 748374, 15954))
        self.assertEqual((row["comments_disabled"], row["ratings_disabled"], row["video_error_or_removed"]),
                         (True, None, None))  # only True/TRUE/False/FALSE are booleans
        self.assertNotIn("thumbnail_link", row)

    def test_booleans_are_read_only_in_the_spellings_of_the_real_files(self):
        self.assertEqual([rules.parse_boolean(v) for v in ["True", "TRUE", "False", "FALSE"]], [True, True, False, False])
        self.assertEqual([rules.parse_boolean(v) for v in ["true", "1", "yes", "", None]], [None] * 5)


class DedupeTest(unittest.TestCase):
    def titles(self, result):
        return [r[result.columns.index("title")] for r in result.rows]

    def test_the_greatest_row_by_views_likes_dislikes_comments_category_is_kept_in_any_order(self):
        low, high = record(title="low", views="10"), record(title="high", views="11")
        for order in [(low, high), (high, low)]:
            result = run(csv_text(*order))
            self.assertEqual((self.titles(result), result.duplicates), (["high"], 1))

    def test_later_columns_of_the_order_break_ties_of_earlier_ones(self):
        result = run(csv_text(record(title="a", category_id="1"), record(title="b", category_id="2"),
                              record(title="c", likes="1")))
        self.assertEqual(self.titles(result), ["b"])  # likes 57527 > 1; then category 2 > 1

    def test_a_full_tie_keeps_the_first_record(self):
        result = run(csv_text(record(title="first"), record(title="second"), record(title="third")))
        self.assertEqual((self.titles(result), result.duplicates), (["first"], 2))

    def test_the_key_is_video_and_trending_date_so_other_days_and_videos_are_kept_sorted(self):
        result = run(csv_text(record(trending_date="17.15.11", title="d2"), record(title="d1"),
                              record(video_id="0000000000A", title="v0")))
        self.assertEqual((self.titles(result), result.duplicates), (["v0", "d1", "d2"], 0))

    def test_quarantined_records_take_no_part_in_the_dedupe(self):
        result = run(csv_text(record(title="kept", views="1"), record(title="broken", views="9", likes="x")))
        self.assertEqual((self.titles(result), result.duplicates, result.quarantined), (["kept"], 0, 1))


class ReconciliationTest(unittest.TestCase):
    def mixed(self):
        return csv_text(
            record(), record(title="dup"), record(trending_date="17.15.11"),
            record(video_id="bad"), record(publish_time="2017-02-30T00:00:00Z"), record()[:15],
            record(views="-1"), record(trending_date="18.30.02"), record(video_id="#NAME?"),
        )

    def test_every_record_read_is_cleansed_quarantined_or_a_duplicate(self):
        result = run(self.mixed())
        self.assertEqual((result.read, result.cleansed, result.quarantined, result.duplicates), (9, 2, 6, 1))
        self.assertEqual(result.read, result.cleansed + result.quarantined + result.duplicates)
        self.assertEqual(result.rules,
                         {"counts": 1, "field_count": 1, "publish_time": 1, "trending_date": 1, "video_id": 2})
        self.assertEqual([r[0] for r in result.rejected], [4, 5, 6, 7, 8, 9])

    def test_the_summary_has_exactly_the_batch_summary_fields(self):
        result = run(self.mixed())
        summary = rules.batch_summary(result, batch_id="b-1", region="us", source_object="k",
                                      data_file="data/", rejected_file="rejected/")
        self.assertEqual(sorted(summary), sorted(["batchId", "dataset", "region", "sourceObject", "read", "cleansed",
                                                  "quarantined", "duplicates", "rules", "files"]))
        self.assertEqual(summary["files"], {"data": "data/", "rejected": "rejected/"})
        self.assertEqual((summary["batchId"], summary["dataset"], summary["read"]), ("b-1", "statistics", 9))
        json.dumps(summary)  # JSON-serialisable as written to summary.json

    def test_the_summary_names_the_spec_s_dataset_not_statistics(self):
        # A jaffle-shop batch on Glue must be summarized as its own dataset (the DQ step checks it).
        spec = dict(SPEC, name="orders")
        result = rules.transform(self.mixed(), spec, region="all", source_object="k", ingested_at="2026-01-02T03:04:05Z")
        summary = rules.batch_summary(result, batch_id="b", region="all", source_object="k",
                                      data_file="data/", rejected_file="rejected/")
        self.assertEqual(summary["dataset"], "orders")

    def test_a_batch_without_quarantined_records_names_no_rejected_file(self):
        summary = rules.batch_summary(run(csv_text(record())), batch_id="b", region="us", source_object="k",
                                      data_file="data/", rejected_file="rejected/")
        self.assertEqual((summary["files"]["rejected"], summary["rules"]), (None, {}))



class FakeGlueWorld:
    """Stand-ins for awsglue, pyspark and boto3, so that transform_batch.main runs here without Spark."""

    def __init__(self, bronze):
        import types

        world = self
        self.bronze, self.puts, self.deleted, self.writes, self.conf = bronze, {}, [], [], {}
        self.parquet = {}  # uri -> {"columns": [...], "rows": [...]}: what spark.read.parquet gives
        self.listed = {"staging/b-1/rejected/part-0.parquet"}

        class S3:
            def get_object(self, Bucket, Key):
                return {"Body": io.BytesIO(world.bronze[(Bucket, Key)])}

            def put_object(self, Bucket, Key, Body, ContentType):
                world.puts[(Bucket, Key)] = (Body, ContentType)

            def get_paginator(self, name):
                class Pages:
                    def paginate(self, Bucket, Prefix):
                        return [{"Contents": [{"Key": k} for k in sorted(world.listed) if k.startswith(Prefix)]}]

                return Pages()

            def delete_objects(self, Bucket, Delete):
                world.deleted += [(Bucket, o["Key"]) for o in Delete["Objects"]]

        class Frame:
            def __init__(self, rows, schema):
                self.rows, self.schema, self.parts = rows, schema, None

            def coalesce(self, n):
                self.parts = n
                return self

            @property
            def write(self):
                frame = self

                class Writer:
                    def mode(self, m):
                        self.m = m
                        return self

                    def parquet(self, uri):
                        world.writes.append({"uri": uri, "mode": self.m, "parts": frame.parts,
                                             "rows": frame.rows, "schema": frame.schema})

                return Writer()

        class Session:
            conf = types.SimpleNamespace(set=lambda k, v: world.conf.__setitem__(k, v))
            sparkContext = types.SimpleNamespace(_jsc=types.SimpleNamespace(
                hadoopConfiguration=lambda: types.SimpleNamespace(set=lambda k, v: world.conf.__setitem__(k, v))))

            def createDataFrame(self, rows, schema):
                return Frame(list(rows), schema)

            @property
            def read(self):
                class Reader:
                    def parquet(self, uri):
                        table = world.parquet[uri]

                        class Selected:
                            def select(self, *cols):
                                at = [table["columns"].index(c.strip("`")) for c in cols]
                                return types.SimpleNamespace(
                                    toLocalIterator=lambda: iter([tuple(r[i] for i in at) for r in table["rows"]]))

                        return Selected()

                return Reader()

        def resolved(argv, names):
            pairs = dict(zip(argv[1::2], argv[2::2]))
            return {n: pairs["--" + n] for n in names}

        spark_types = types.ModuleType("pyspark.sql.types")
        for name in ["StringType", "LongType", "DateType", "TimestampType", "BooleanType", "IntegerType"]:
            setattr(spark_types, name, type(name, (), {"__repr__": lambda self, n=name: n}))
        spark_types.DecimalType = type("DecimalType", (), {
            "__init__": lambda self, precision, scale: setattr(self, "shape", (precision, scale)),
            "__repr__": lambda self: "DecimalType(%d,%d)" % self.shape,
        })
        spark_types.StructField = lambda name, t, nullable: (name, repr(t), nullable)
        spark_types.StructType = list
        sql = types.ModuleType("pyspark.sql")
        sql.types = spark_types
        functions = types.ModuleType("pyspark.sql.functions")
        functions.col = lambda name: name
        sql.functions = functions
        sql.SparkSession = types.SimpleNamespace(builder=types.SimpleNamespace(getOrCreate=Session))
        self.modules = {
            "boto3": types.SimpleNamespace(client=lambda service: S3()),
            "awsglue": types.ModuleType("awsglue"),
            "awsglue.utils": types.SimpleNamespace(getResolvedOptions=resolved),
            "pyspark": types.ModuleType("pyspark"),
            "pyspark.sql": sql,
            "pyspark.sql.types": spark_types,
            "pyspark.sql.functions": functions,
        }


class TransformBatchScriptTest(unittest.TestCase):
    def run_job(self, text, spec=SPEC):
        from unittest import mock

        import transform_batch

        world = FakeGlueWorld({("bronze", "statistics/US.csv"): ("\ufeff" + text).encode("utf-8")})
        args = {"dataset": "statistics", "region": "us", "batch_id": "b-1", "source_object": "raw/US.csv",
                "source_file": "US.csv", "bronze_bucket": "bronze", "bronze_key": "statistics/US.csv",
                "staging_bucket": "cleansed", "staging_prefix": "staging/b-1/",
                "ingested_at": "2026-01-02T03:04:05.678Z", "transform_specs": json.dumps({"statistics": spec})}
        argv = ["transform_batch.py"] + [x for k, v in args.items() for x in ("--" + k, v)]
        with mock.patch.dict("sys.modules", world.modules), contextlib.redirect_stdout(io.StringIO()):
            transform_batch.main(argv)
        return world

    def test_writes_data_and_rejected_directories_and_a_summary_naming_them(self):
        world = self.run_job(csv_text(record(), record(title="dup"), record(video_id="bad")))
        self.assertEqual([(w["uri"], w["mode"], w["parts"], len(w["rows"])) for w in world.writes], [
            ("s3://cleansed/staging/b-1/data/", "overwrite", 1, 1),
            ("s3://cleansed/staging/b-1/rejected/", "overwrite", 1, 1),
        ])
        data_schema = world.writes[0]["schema"]
        self.assertEqual([(n, t) for n, t, _ in data_schema][:3],
                         [("region", "StringType"), ("video_id", "StringType"), ("trending_date", "DateType")])
        self.assertIn(("publish_time", "TimestampType", True), data_schema)
        self.assertIn(("views", "LongType", True), data_schema)
        body, content_type = world.puts[("cleansed", "staging/b-1/summary.json")]
        summary = json.loads(body)
        self.assertEqual(content_type, "application/json")
        self.assertEqual(summary["files"], {"data": "data/", "rejected": "rejected/"})
        self.assertEqual((summary["read"], summary["cleansed"], summary["quarantined"], summary["duplicates"]),
                         (3, 1, 1, 1))
        self.assertEqual(world.conf["spark.sql.session.timeZone"], "UTC")
        self.assertEqual(world.deleted, [])

    def test_the_spec_format_the_stack_passes_sets_the_dialect_the_bronze_object_is_read_in(self):
        fmt = {"kind": "csv", "delimiter": "\t", "quote": "'"}
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="\t", quotechar="'", lineterminator="\n")
        writer.writerows([HEADER, record(title="tab\tinside, 'quoted'"), record(video_id="bad")])
        world = self.run_job(buf.getvalue(), dict(SPEC, format=fmt))
        summary = json.loads(world.puts[("cleansed", "staging/b-1/summary.json")][0])
        self.assertEqual((summary["read"], summary["cleansed"], summary["quarantined"]), (2, 1, 1))
        titles = [row[[n for n, _, _ in world.writes[0]["schema"]].index("title")] for row in world.writes[0]["rows"]]
        self.assertEqual(titles, ["tab\tinside, 'quoted'"])
        with self.assertRaisesRegex(rules.TransformSpecError, "format.delimiter is"):
            self.run_job(buf.getvalue(), dict(SPEC, format={"kind": "csv", "delimiter": "\n"}))

    def test_a_decimal_column_is_written_as_a_spark_decimal_of_its_precision_and_scale(self):
        from unittest import mock

        import transform_batch

        spec = {"schema": [{"name": "amount", "type": "DECIMAL(18,2)"}, {"name": "n", "type": "BIGINT"}]}
        with mock.patch.dict("sys.modules", FakeGlueWorld({}).modules):
            schema = transform_batch.cleansed_schema(spec)
        self.assertEqual(schema, [("amount", "DecimalType(18,2)", True), ("n", "LongType", True)])

    def test_a_batch_without_quarantined_records_removes_a_previous_attempts_rejected_files(self):
        world = self.run_job(csv_text(record()))
        self.assertEqual([w["uri"] for w in world.writes], ["s3://cleansed/staging/b-1/data/"])
        self.assertEqual(world.deleted, [("cleansed", "staging/b-1/rejected/part-0.parquet")])
        summary = json.loads(world.puts[("cleansed", "staging/b-1/summary.json")][0])
        self.assertIsNone(summary["files"]["rejected"])


class DerivedColumnTest(unittest.TestCase):
    """The derived-column subset in plain Python (decision 0031); the three-engine table is
    test/expressions-engines.test.ts."""

    SPEC = {
        "rawColumns": ["cents", "flag"],
        "rules": [],
        "schema": [
            {"name": "cents", "type": "BIGINT"},
            {"name": "flag", "type": "BOOLEAN", "booleans": {"true": ["y"], "false": ["n"]}},
            {"name": "amount", "type": "DECIMAL(18,2)", "derived": "cents * 0.01"},
            {"name": "half", "type": "DECIMAL(18,1)", "derived": "round(amount * 0.5, 1)"},
            {"name": "kept", "type": "DECIMAL(18,2)", "derived": "CASE WHEN flag THEN amount END"},
        ],
        "dedupeKey": [],
        "dedupeOrder": [],
    }

    def row(self, cents, flag):
        return rules.typed_row([cents, flag], self.SPEC, {})

    def test_cents_become_exact_dollars_as_decimals_never_floats(self):
        cents, _, amount, _, _ = self.row("1000", "y")
        self.assertEqual((cents, amount), (1000, decimal.Decimal("10.00")))
        self.assertIsInstance(amount, decimal.Decimal)
        self.assertEqual(str(self.row("-5", "y")[2]), "-0.05")

    def test_round_is_half_away_from_zero(self):
        self.assertEqual(str(self.row("250", "y")[3]), "1.3")
        self.assertEqual(str(self.row("-250", "y")[3]), "-1.3")

    def test_a_case_without_else_gives_null_and_null_propagates(self):
        self.assertIsNone(self.row("100", "n")[4])
        self.assertIsNone(self.row("100", "")[4])
        node = rules.parse_expression("x + 1")
        self.assertIsNone(rules.evaluate(node, {"x": None}))

    def test_three_valued_logic(self):
        ev = lambda text, **row: rules.evaluate(rules.parse_expression(text), row)  # noqa: E731
        self.assertIs(ev("a AND b", a=None, b=False), False)
        self.assertIsNone(ev("a AND b", a=None, b=True))
        self.assertIs(ev("a OR b", a=None, b=True), True)
        self.assertIsNone(ev("a OR b", a=None, b=False))
        self.assertIsNone(ev("NOT a", a=None))
        self.assertIs(ev("a IS NULL", a=None), True)

    def test_a_spec_with_division_or_a_later_column_is_refused_before_any_data_is_read(self):
        cases = (
            ("cents / 100", "'/'"),
            ("later * 1", "later"),
            ("lower(flag)", "lower"),
            ("flag = 'it''s'", "a quote inside a string literal"),
        )
        for derived, found in cases:
            spec = json.loads(json.dumps(self.SPEC))
            spec["schema"][2]["derived"] = derived
            with self.assertRaises(rules.TransformSpecError) as e:
                rules.validate_spec(spec)
            self.assertIn(found, str(e.exception))


if __name__ == "__main__":
    unittest.main()


JSONL_SPEC = {
    "name": "events",
    "format": {"kind": "jsonLines", "fields": {"id": {"path": "id", "type": "number", "required": True},
                                                "who": "user.name", "ok": {"path": "ok", "type": "boolean"}}},
    "rawColumns": ["id", "who", "ok", "amount"],
    "rules": [{"name": "id_integer", "kind": "integer", "columns": ["id"]}],
    "schema": [{"name": "id", "type": "BIGINT"}, {"name": "who", "type": "VARCHAR"},
               {"name": "ok", "type": "BOOLEAN", "booleans": {"true": ["true"], "false": ["false"]}},
               {"name": "amount", "type": "VARCHAR"}],
    "dedupeKey": [], "dedupeOrder": [], "partitionBy": [],
}


class FormatTest(unittest.TestCase):
    """The jsonLines and parquet formats' records (the twins of handlers/core/json-records.ts,
    jsonl-records.ts and parquet-records.ts; test/jsonl-engines.test.ts compares the engines)."""

    def test_js_number_text_is_javascripts_string_of_the_double(self):
        cases = {1e21: "1e+21", 0.1: "0.1", -0.0: "0", 1e-7: "1e-7", 1e-6: "0.000001", 123.0: "123",
                 1.5e300: "1.5e+300", 5e-324: "5e-324", 2.0**53 + 2: "9007199254740994", -2.5e-9: "-2.5e-9",
                 123456789012345680000.0: "123456789012345680000", float("inf"): "Infinity", float("nan"): "NaN"}
        self.assertEqual({k: rules.js_number_text(k) for k in cases}, cases)

    def test_json_values_become_text_or_put_the_record_out_of_shape(self):
        fields, raw = JSONL_SPEC["format"]["fields"], JSONL_SPEC["rawColumns"]
        line = lambda t: rules.json_record_fields(rules.parse_json_line(t), fields, raw)
        self.assertEqual(line('{"id": 1, "user": {"name": "a"}, "ok": true, "amount": 0.1}'),
                         (["1", "a", "true", "0.1"], None))
        # A wrong type or a missing value of an optional field is an empty field; of a required one, no record.
        self.assertEqual(line('{"id": 2, "ok": "yes", "amount": null}'), (["2", "", "", ""], None))
        for bad in ['{"id": "1"}', '{"ok": true}', '{"id": true}', '{"id": 9007199254740994}',
                    '{"id": 1, "amount": {"x": 1}}', '{"id": 1, "amount": [1]}', '[1]', '"x"']:
            self.assertIsNone(line(bad)[0], bad)
        self.assertEqual(line('{"id": 1e-7, "amount": -0}')[0], ["1e-7", "", "", "0"])

    def test_read_jsonl_skips_blank_lines_reads_crlf_and_keeps_broken_lines(self):
        text = '{"id": 1}\r\n\r\n  \n{"id": NaN}\n{not json\r\n{"id": 1, "amount": 1e400}'
        records = rules.read_jsonl(text, JSONL_SPEC)
        self.assertEqual(records[0], JSONL_SPEC["rawColumns"])
        self.assertEqual(records[1], ["1", "", "", ""])
        self.assertEqual([(r.rule, r.raw) for r in records[2:4]],
                         [("record_shape", ['{"id": NaN}']), ("record_shape", ["{not json"])])
        self.assertEqual(records[4], ["1", "", "", "Infinity"])

    def test_a_deeply_nested_line_is_json_as_for_json_parse(self):
        depth = 20000
        self.assertEqual(rules.parse_json_line('{"id": 1, "deep": ' + "[" * depth + "]" * depth + "}")["id"], 1.0)
        with self.assertRaises(ValueError):
            rules.parse_json_line("[" * depth)  # deep and unterminated: still not JSON
        self.assertEqual(sys.getrecursionlimit(), self.limit)

    def setUp(self):
        self.limit = sys.getrecursionlimit()

    def test_transform_counts_and_quarantines_a_shape_broken_line_with_field_count_zero(self):
        text = '{"id": 1, "user": {"name": "a"}}\n{"id": 1.5}\n{"id": {"n": 1}}\n'
        r = rules.transform(text, JSONL_SPEC, region="all", source_object="e.jsonl", ingested_at="2026-01-02T03:04:05Z")
        self.assertEqual((r.read, r.cleansed, r.quarantined, r.rules), (3, 1, 2, {"id_integer": 1, "record_shape": 1}))
        self.assertEqual(r.rows, [(1, "a", None, "")])
        self.assertEqual(r.rejected[1], (3, "record_shape", 0, "e.jsonl", '{"id": {"n": 1}}', None, None, None))

    def test_parquet_values_become_the_text_of_their_type(self):
        utc = datetime.timezone.utc
        cases = [
            (None, ""), (True, "true"), (False, "false"), (9007199254740993, "9007199254740993"),
            (18446744073709551615, "18446744073709551615"), (0.1, "0.1"), (1e21, "1e+21"), (-0.0, "0"),
            (decimal.Decimal("12.50"), "12.50"), (decimal.Decimal("-0.05"), "-0.05"),
            (decimal.Decimal("0E-8"), "0.00000000"), (datetime.date(2024, 2, 29), "2024-02-29"),
            (datetime.datetime(2024, 1, 2, 3, 4, 5, 123456), "2024-01-02T03:04:05.123456Z"),
            (datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc), "2024-01-02T03:04:05Z"),
            (datetime.datetime(2024, 1, 2, 4, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
             "2024-01-02T03:04:05Z"),
            ("héllo", "héllo"),
        ]
        self.assertEqual([rules.parquet_value_text(v) for v, _ in cases], [t for _, t in cases])
        with self.assertRaises(TypeError):
            rules.parquet_value_text(b"\x00")

    def test_the_job_reads_a_parquet_object_with_spark_and_passes_its_values(self):
        from unittest import mock

        import transform_batch

        spec = {**JSONL_SPEC, "format": {"kind": "parquet"}}
        world = FakeGlueWorld({})
        world.parquet["s3://bronze/events/e.parquet"] = {
            "columns": ["amount", "ok", "id", "who"],
            "rows": [(decimal.Decimal("1.50"), True, 7, "a"), (None, None, 8, None)],
        }
        args = {"dataset": "events", "region": "all", "batch_id": "b-1", "source_object": "raw/e.parquet",
                "source_file": "e.parquet", "bronze_bucket": "bronze", "bronze_key": "events/e.parquet",
                "staging_bucket": "cleansed", "staging_prefix": "staging/b-1/",
                "ingested_at": "2026-01-02T03:04:05.678Z", "transform_specs": json.dumps({"events": spec})}
        argv = ["transform_batch.py"] + [x for k, v in args.items() for x in ("--" + k, v)]
        with mock.patch.dict("sys.modules", world.modules), contextlib.redirect_stdout(io.StringIO()):
            transform_batch.main(argv)
        self.assertEqual(world.writes[0]["rows"], [(7, "a", True, "1.50"), (8, "", None, "")])
