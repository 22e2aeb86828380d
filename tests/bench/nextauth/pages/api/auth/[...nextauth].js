// NextAuth v4 as Beyond Identity's Next.js guide sets it up (a custom OAuth provider on
// the tenant's discovery document), with the DynamoDB adapter: database sessions, the
// strategy NextAuth uses with an adapter.
import NextAuth from "next-auth";
import { DynamoDBAdapter } from "@next-auth/dynamodb-adapter";
import { client, tableName } from "../../../lib/dynamodb.mjs";

const issuer =
  process.env.BEYOND_IDENTITY_ISSUER || "http://127.0.0.1:9/v1/tenants/t/realms/r/applications/a";

export const authOptions = {
  adapter: DynamoDBAdapter(client, { tableName }),
  session: { strategy: "database" },
  providers: [
    {
      id: "beyondidentity",
      name: "Beyond Identity",
      type: "oauth",
      wellKnown: `${issuer}/.well-known/openid-configuration`,
      authorization: { params: { scope: "openid email profile" } },
      clientId: process.env.BEYOND_IDENTITY_CLIENT_ID || "bench",
      clientSecret: process.env.BEYOND_IDENTITY_CLIENT_SECRET || "bench",
      idToken: true,
      checks: ["pkce", "state"],
      profile(profile) {
        return { id: profile.sub, name: profile.name, email: profile.email };
      },
    },
  ],
};

export default NextAuth(authOptions);
