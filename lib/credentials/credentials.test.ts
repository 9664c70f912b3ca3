import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, closeDb } from "../db";
import { createCredential } from "./create-credential";
import { listCredentials } from "./list-credentials";
import { updateCredential } from "./update-credential";
import { deleteCredential } from "./delete-credential";
import { resolveCredentials } from "./resolve-credentials";
import { buildKeyring, credentialAad, encryptSecret, keyringFromEnv } from "./crypto";
import { CredentialNameTakenError } from "./types";

let userA = "";
let userB = "";

beforeAll(async () => {
  const tag = crypto.randomUUID();
  userA = (await prisma.user.create({ data: { email: `cred-a-${tag}@test.local`, passwordHash: "x" } })).id;
  userB = (await prisma.user.create({ data: { email: `cred-b-${tag}@test.local`, passwordHash: "x" } })).id;
});
afterAll(async () => {
  await prisma.user.deleteMany({ where: { id: { in: [userA, userB] } } });
  await closeDb();
});

describe("credentials data functions", () => {
  it("create, list (no secret), resolve, update, delete — scoped by user", async () => {
    const secret = "weeek-token-abcdef-7890";
    const c = await createCredential({ userId: userA, name: " Weeek токен ", secret });
    expect(c).toMatchObject({ name: "Weeek токен", hint: "…7890" });
    expect(Object.keys(c).sort()).toEqual(["createdAt", "hint", "id", "name", "updatedAt"]);

    const row = await prisma.credential.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.ciphertext).not.toContain("weeek");
    expect(row.keyId).toBe(keyringFromEnv().current.id);

    await expect(createCredential({ userId: userA, name: "Weeek токен", secret: "x" })).rejects.toBeInstanceOf(CredentialNameTakenError);
    await createCredential({ userId: userB, name: "Weeek токен", secret: "other" });

    const list = await listCredentials(userA);
    expect(list).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(secret);

    expect(await resolveCredentials(userA)).toEqual({ "Weeek токен": secret });
    expect(await resolveCredentials(userB, ["Weeek токен"])).toEqual({ "Weeek токен": "other" });

    expect(await updateCredential({ userId: userB, id: c.id, secret: "hijack" })).toBeNull();
    const renamed = await updateCredential({ userId: userA, id: c.id, name: "Weeek", secret: "new-token-0000-1111" });
    expect(renamed).toMatchObject({ name: "Weeek", hint: "…1111" });
    expect(await resolveCredentials(userA)).toEqual({ Weeek: "new-token-0000-1111" });

    expect(await deleteCredential({ userId: userB, id: c.id })).toBe(false);
    expect(await deleteCredential({ userId: userA, id: c.id })).toBe(true);
    expect(await listCredentials(userA)).toEqual([]);
  });

  it("rows under an old key decrypt and are re-encrypted with the current key", async () => {
    const oldKey = crypto.randomBytes(32).toString("base64");
    const current = keyringFromEnv();
    const enc = encryptSecret("rotated-secret", credentialAad(userA), buildKeyring(oldKey));
    await prisma.credential.create({ data: { userId: userA, name: "old", hint: "…", ...enc } });
    const ring = { current: current.current, old: new Map([[enc.keyId, Buffer.from(oldKey, "base64")]]) };
    expect(await resolveCredentials(userA, ["old"], ring)).toEqual({ old: "rotated-secret" });
    const row = await prisma.credential.findFirstOrThrow({ where: { userId: userA, name: "old" } });
    expect(row.keyId).toBe(current.current.id);
    expect(await resolveCredentials(userA, ["old"])).toEqual({ old: "rotated-secret" });
  });
});
