#!/usr/bin/env python3
"""Create (or check) the session table on a DynamoDB endpoint, from infra/session-table.json.

Usage: session_table.py --endpoint http://127.0.0.1:8000 --table auth-sessions [--wait 10]

Waits for the endpoint to answer, creates the table with its user index if it does not
exist, turns on TTL, then reads everything back and fails if any of it is missing.
"""
import argparse
import json
import pathlib
import sys
import time

import boto3
import botocore.exceptions

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFINITION = json.loads((ROOT / "infra" / "session-table.json").read_text())


def client(endpoint):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def wait_until_up(db, seconds):
    deadline = time.monotonic() + seconds
    while True:
        try:
            db.list_tables(Limit=1)
            return
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError):
            if time.monotonic() > deadline:
                sys.exit(f"session_table: no DynamoDB server answered at {db.meta.endpoint_url} within {seconds}s")
            time.sleep(0.1)


def ensure_table(db, name):
    try:
        db.create_table(
            TableName=name,
            AttributeDefinitions=DEFINITION["AttributeDefinitions"],
            KeySchema=DEFINITION["KeySchema"],
            GlobalSecondaryIndexes=DEFINITION["GlobalSecondaryIndexes"],
            BillingMode=DEFINITION["BillingMode"],
        )
    except db.exceptions.ResourceInUseException:
        pass
    db.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    ttl = DEFINITION["TimeToLive"]["AttributeName"]
    status = db.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        db.update_time_to_live(TableName=name, TimeToLiveSpecification={"AttributeName": ttl, "Enabled": True})


def check_table(db, name):
    table = db.describe_table(TableName=name)["Table"]
    problems = []
    if table["KeySchema"] != DEFINITION["KeySchema"]:
        problems.append(f"key schema is {table['KeySchema']}")
    indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    for wanted in DEFINITION["GlobalSecondaryIndexes"]:
        got = indexes.get(wanted["IndexName"])
        if not got or got["KeySchema"] != wanted["KeySchema"]:
            problems.append(f"index {wanted['IndexName']} is missing or has other keys")
    ttl = db.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    if ttl.get("AttributeName") != DEFINITION["TimeToLive"]["AttributeName"] or ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        problems.append(f"TTL is {ttl}")
    if problems:
        sys.exit(f"session_table: table {name} is not as infra/session-table.json says: " + "; ".join(problems))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the server")
    args = parser.parse_args()
    db = client(args.endpoint)
    wait_until_up(db, args.wait)
    ensure_table(db, args.table)
    check_table(db, args.table)
    print(f"session table {args.table} ready at {args.endpoint} (index by-user, TTL on expires_at)")


if __name__ == "__main__":
    main()
