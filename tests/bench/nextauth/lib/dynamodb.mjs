// The DynamoDB document client of the adapter's README, on the server make bench gives.
import { DynamoDB } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocument } from "@aws-sdk/lib-dynamodb";

export const tableName = process.env.NEXTAUTH_TABLE || "next-auth";

export const client = DynamoDBDocument.from(
  new DynamoDB({
    endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    region: process.env.AWS_REGION || "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  }),
  {
    marshallOptions: {
      convertEmptyValues: true,
      removeUndefinedValues: true,
      convertClassInstanceToMap: true,
    },
  },
);
