"""Glue 5.0 job "Transform batch": the AWS side of the statistics transform (DuckDB runs it locally).

Thin on purpose: arguments in, the bronze object read with boto3 (a Parquet one with Spark, its raw
columns' values passed on), the rules applied by lakestep_rules
(plain Python, unit-tested without Spark), Spark only to write Parquet with the spec's schema, and the
batch summary written beside it for the "Check data quality" step.

Arguments: the ones the "Transform batch" state passes (workflows/youtube-trending.ts) plus
--transform_specs, the JSON of the workflow's transform-path datasets' specs (each with its `format`) by dataset name
(workflows/datasets.ts) that the CDK stack sets as a default argument, so that each spec has one source
of truth.
"""
import json
import os
import sys
import time

import lakestep_rules

ARGUMENTS = [
    "dataset",
    "region",
    "batch_id",
    "source_object",
    "source_file",
    "bronze_bucket",
    "bronze_key",
    "staging_bucket",
    "staging_prefix",
    "ingested_at",
    "transform_specs",
]

# Spark writes a directory of part files, not one file: the staged batch is `<prefix>data/` and
# `<prefix>rejected/` here, where the local transform writes `data.parquet` and `rejected.parquet`
# (handlers/core/contracts.ts STAGED). The summary names what this job actually wrote.
DATA_DIR = "data/"
REJECTED_DIR = "rejected/"
SUMMARY = "summary.json"


def spark_type(sql_type):
    from pyspark.sql import types as T

    shape = lakestep_rules.decimal_shape(sql_type)
    if shape:
        return T.DecimalType(*shape)  # the rows hold decimal.Decimal at the column's scale
    return {
        "VARCHAR": T.StringType(),
        "BIGINT": T.LongType(),
        "DATE": T.DateType(),
        "TIMESTAMP": T.TimestampType(),
        "BOOLEAN": T.BooleanType(),
    }[sql_type]


def cleansed_schema(spec):
    from pyspark.sql import types as T

    return T.StructType([T.StructField(c["name"], spark_type(c["type"]), True) for c in spec["schema"]])


def rejected_schema(spec):
    from pyspark.sql import types as T

    leading = [
        T.StructField("record_no", T.LongType(), False),
        T.StructField("rule", T.StringType(), False),
        T.StructField("field_count", T.IntegerType(), False),
        T.StructField("source_object", T.StringType(), False),
    ]
    raw = [T.StructField(name, T.StringType(), True) for name in spec["rawColumns"]]
    return T.StructType(leading + raw)


def write_parquet(spark, rows, schema, uri):
    # One file per batch (batches are one object), overwritten on a retry or a replay.
    spark.createDataFrame(rows, schema).coalesce(1).write.mode("overwrite").parquet(uri)


def delete_prefix(s3, bucket, prefix):
    """Removes a previous attempt's output so that a stale rejected/ never outlives its batch."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def parquet_rows(spark, uri, raw_columns):
    """The raw columns' values of a Parquet object, row by row, as Spark reads them (lakestep_rules
    parquet_value_text makes their text). Streamed to the driver, as a CSV object's text is read whole."""
    from pyspark.sql import functions as F

    # A TIMESTAMP's value reaches Python as a naive datetime in the process's local time zone: make it UTC.
    os.environ["TZ"] = "UTC"
    time.tzset()
    columns = [F.col("`" + c.replace("`", "``") + "`") for c in raw_columns]
    return [list(row) for row in spark.read.parquet(uri).select(*columns).toLocalIterator()]


def main(argv):
    import boto3
    from awsglue.utils import getResolvedOptions
    from pyspark.sql import SparkSession

    args = getResolvedOptions(argv, ARGUMENTS)
    specs = json.loads(args["transform_specs"])
    if args["dataset"] not in specs:
        raise ValueError(
            f"Transform batch got dataset {args['dataset']!r} for {args['source_object']}: this job transforms "
            f"{', '.join(sorted(specs)) or 'no dataset'} (the workflow's CSV datasets); check the workflow's choice"
        )
    spec = lakestep_rules.validate_spec(specs[args["dataset"]])
    s3 = boto3.client("s3")
    bronze = f"s3://{args['bronze_bucket']}/{args['bronze_key']}"
    spark = SparkSession.builder.getOrCreate()
    if spec.get("format", {"kind": "csv"})["kind"] == "parquet":
        source = parquet_rows(spark, bronze, spec["rawColumns"])
    else:
        blob = s3.get_object(Bucket=args["bronze_bucket"], Key=args["bronze_key"])["Body"].read()
        source = lakestep_rules.decode_object(blob, where=f"bronze object {bronze} of {args['source_object']}")
    result = lakestep_rules.transform(
        source,
        spec,
        region=args["region"],
        source_object=args["source_object"],
        ingested_at=args["ingested_at"],
    )

    # Timestamps are UTC instants; write them as INT64 micros like DuckDB, not legacy INT96.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    # No _SUCCESS marker: the staged prefix holds only the batch's files.
    spark.sparkContext._jsc.hadoopConfiguration().set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
    bucket, prefix = args["staging_bucket"], args["staging_prefix"]
    write_parquet(spark, result.rows, cleansed_schema(spec), f"s3://{bucket}/{prefix}{DATA_DIR}")
    if result.quarantined > 0:
        write_parquet(spark, result.rejected, rejected_schema(spec), f"s3://{bucket}/{prefix}{REJECTED_DIR}")
    else:
        delete_prefix(s3, bucket, f"{prefix}{REJECTED_DIR}")

    summary = lakestep_rules.batch_summary(
        result,
        batch_id=args["batch_id"],
        region=args["region"],
        source_object=args["source_object"],
        data_file=DATA_DIR,
        rejected_file=REJECTED_DIR,
    )
    s3.put_object(
        Bucket=bucket,
        Key=f"{prefix}{SUMMARY}",
        Body=(json.dumps(summary, indent=2) + "\n").encode("utf-8"),
        ContentType="application/json",
    )
    print(json.dumps({"message": "batch transformed", **summary}))


if __name__ == "__main__":
    main(sys.argv)
