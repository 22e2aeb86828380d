// Creates the adapter's table (its README's schema) and a signed-in user through the
// adapter itself, as a sign-in would; prints the session token for the cookie.
import { randomUUID } from "node:crypto";
import { DynamoDB } from "@aws-sdk/client-dynamodb";
import { DynamoDBAdapter } from "@next-auth/dynamodb-adapter";
import { client, tableName } from "./lib/dynamodb.mjs";

const db = new DynamoDB({
  endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
  region: process.env.AWS_REGION || "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const tables = await db.listTables({});
if (!tables.TableNames.includes(tableName)) {
  await db.createTable({
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "S" },
      { AttributeName: "GSI1PK", AttributeType: "S" },
      { AttributeName: "GSI1SK", AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: "GSI1",
        KeySchema: [
          { AttributeName: "GSI1PK", KeyType: "HASH" },
          { AttributeName: "GSI1SK", KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  });
}
const adapter = DynamoDBAdapter(client, { tableName });
const user = await adapter.createUser({
  email: `bench-${randomUUID()}@example.com`,
  name: "Bench User",
  emailVerified: null,
});
const session = await adapter.createSession({
  sessionToken: randomUUID(),
  userId: user.id,
  expires: new Date(Date.now() + 30 * 24 * 3600 * 1000),
});
process.stdout.write(session.sessionToken + "\n");
