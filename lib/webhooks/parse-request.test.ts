import zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import iconv from "iconv-lite";
import { buildFields, jsonErrorPosition, parseQueryString, parseRequest, type ParseInput, type ParseOutcome } from "./parse-request";

const KLIENTIKS_ADD_CLIENT =
  "/hooks/tok?client_id=1842&client_phone=%2B7%20(999)%20123-45-67&client_name=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2" +
  "&client_first_name=%D0%98%D0%B2%D0%B0%D0%BD&client_patron_name=&client_second_name=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&client_deleted=0&client_email=ivan%40example.ru";

function input(over: Partial<ParseInput> & { contentType?: string }): ParseInput {
  const { contentType, ...rest } = over;
  return {
    method: "POST",
    url: "/hooks/tok",
    headers: contentType ? { "content-type": contentType } : {},
    body: Buffer.alloc(0),
    ...rest,
  };
}

function parsed(outcome: ParseOutcome) {
  if (!outcome.ok) throw new Error(`expected ok, got ${outcome.rejection.code}: ${outcome.rejection.message}`);
  return outcome.request;
}

function rejected(outcome: ParseOutcome) {
  if (outcome.ok) throw new Error("expected a rejection");
  return outcome.rejection;
}

describe("query string", () => {
  it("parses the Klientiks «Добавление клиента» GET", async () => {
    const r = parsed(await parseRequest(input({ method: "get", url: KLIENTIKS_ADD_CLIENT })));
    expect(r.method).toBe("GET");
    expect(r.query).toEqual({
      client_id: "1842",
      client_phone: "+7 (999) 123-45-67",
      client_name: "Иван Петров",
      client_first_name: "Иван",
      client_patron_name: "",
      client_second_name: "Петров",
      client_deleted: "0",
      client_email: "ivan@example.ru",
    });
    expect(r.payload).toEqual(r.query);
    expect(r.body).toBeNull();
    expect(r.rawBody).toBeNull();
    expect(r.sizeBytes).toBe(0);
  });

  it("keeps dotted keys verbatim and turns repeated keys into arrays", () => {
    expect(parseQueryString("?appointment.time=10%3A30&services=a&services=b&services=c&x=1")).toEqual({
      "appointment.time": "10:30",
      services: ["a", "b", "c"],
      x: "1",
    });
  });

  it("decodes '+' as a space, keeps a raw '%' that is not an escape, and a key without '='", () => {
    expect(parseQueryString("a=1+2&b=100%&flag&c=%zz")).toEqual({ a: "1 2", b: "100%", flag: "", c: "%zz" });
  });

  it("decodes windows-1251 percent-escapes in a URL (not valid UTF-8) as windows-1251", () => {
    expect(parseQueryString("name=%C8%E2%E0%ED")).toEqual({ name: "Иван" });
  });

  it("ignores the fragment and an URL without a query", () => {
    expect(parseQueryString("/hooks/x")).toEqual({});
    expect(parseQueryString("/hooks/x?a=1#frag")).toEqual({ a: "1" });
  });
});

describe("bracket keys", () => {
  it("nests PHP/amoCRM/Bitrix keys; dense numeric levels become arrays", () => {
    expect(
      buildFields([
        ["fields[TITLE]", "Заявка"],
        ["fields[PHONE][0][VALUE]", "+79990001122"],
        ["fields[PHONE][0][VALUE_TYPE]", "WORK"],
        ["contacts[add][0][name]", "Иван"],
        ["contacts[add][1][name]", "Пётр"],
        ["tags[]", "a"],
        ["tags[]", "b"],
      ]),
    ).toEqual({
      fields: { TITLE: "Заявка", PHONE: [{ VALUE: "+79990001122", VALUE_TYPE: "WORK" }] },
      contacts: { add: [{ name: "Иван" }, { name: "Пётр" }] },
      tags: ["a", "b"],
    });
  });

  it("keeps sparse numeric keys as an object (no invented holes)", () => {
    expect(buildFields([["leads[status][5][id]", "7"]])).toEqual({ leads: { status: { "5": { id: "7" } } } });
    expect(
      buildFields([
        ["a[1]", "x"],
        ["a[2]", "y"],
      ]),
    ).toEqual({ a: { "1": "x", "2": "y" } });
  });

  it("orders a dense level by index, not by arrival", () => {
    expect(
      buildFields([
        ["a[1]", "second"],
        ["a[0]", "first"],
      ]),
    ).toEqual({ a: ["first", "second"] });
  });

  it("repeated bracket leaves become arrays", () => {
    expect(
      buildFields([
        ["f[x]", "1"],
        ["f[x]", "2"],
      ]),
    ).toEqual({ f: { x: ["1", "2"] } });
  });

  it("never drops a conflicting key", () => {
    expect(
      buildFields([
        ["a", "plain"],
        ["a[b]", "nested"],
      ]),
    ).toEqual({ a: "plain", "a[b]": "nested" });
    expect(
      buildFields([
        ["a[b]", "nested"],
        ["a", "plain"],
      ]),
    ).toEqual({ a: { b: "nested", "": "plain" } });
  });

  it("keeps malformed bracket keys verbatim", () => {
    expect(
      buildFields([
        ["a[b", "1"],
        ["[x]", "2"],
        ["a]b[", "3"],
        ["a[b]c", "4"],
      ]),
    ).toEqual({
      "a[b": "1",
      "[x]": "2",
      "a]b[": "3",
      "a[b]c": "4",
    });
  });

  it("does not let __proto__ reach the prototype", () => {
    const out = buildFields([["__proto__[polluted]", "yes"]]) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(out)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse('{"__proto__":{"polluted":"yes"}}'));
  });
});

describe("JSON bodies", () => {
  it("parses an object and merges it over the query (body wins)", async () => {
    const r = parsed(
      await parseRequest(
        input({
          url: "/hooks/tok?source=site&client_id=q",
          contentType: "application/json",
          body: Buffer.from('{"client_id":42,"contact":{"emails":["a@b.ru"]}}'),
        }),
      ),
    );
    expect(r.body).toEqual({ client_id: 42, contact: { emails: ["a@b.ru"] } });
    expect(r.rawBody).toBe('{"client_id":42,"contact":{"emails":["a@b.ru"]}}');
    expect(r.payload).toEqual({ source: "site", client_id: 42, contact: { emails: ["a@b.ru"] } });
    expect(r.contentType).toBe("application/json");
    expect(r.sizeBytes).toBe(48);
  });

  it("puts an array or a scalar body under the key 'body'", async () => {
    const arr = parsed(await parseRequest(input({ url: "/h?a=1", contentType: "application/json", body: Buffer.from("[1,2]") })));
    expect(arr.payload).toEqual({ a: "1", body: [1, 2] });
    const scalar = parsed(await parseRequest(input({ contentType: "application/json", body: Buffer.from('"hi"') })));
    expect(scalar.body).toBe("hi");
    expect(scalar.payload).toEqual({ body: "hi" });
  });

  it("deep-merges query and body objects", async () => {
    const r = parsed(await parseRequest(input({ url: "/h?f[a]=1&f[b]=q", contentType: "application/json", body: Buffer.from('{"f":{"b":2,"c":3}}') })));
    expect(r.payload).toEqual({ f: { a: "1", b: 2, c: 3 } });
  });

  it("accepts +json types, a BOM, and an empty body", async () => {
    const vnd = parsed(await parseRequest(input({ contentType: "application/vnd.api+json", body: Buffer.from('\ufeff{"a":1}') })));
    expect(vnd.body).toEqual({ a: 1 });
    const empty = parsed(await parseRequest(input({ contentType: "application/json", body: Buffer.from("  ") })));
    expect(empty.body).toBeNull();
    expect(empty.payload).toEqual({});
  });

  it("rejects malformed JSON with 400 naming the position, keeping the raw text", async () => {
    const r = rejected(await parseRequest(input({ url: "/h?x=1", contentType: "application/json", body: Buffer.from('{"a":1,\n "b":}') })));
    expect(r.status).toBe(400);
    expect(r.code).toBe("invalid_json");
    expect(r.message).toBe('Malformed JSON at position 13 (line 2, column 6): unexpected character "}"');
    expect(r.reason).toBe('Некорректный JSON: позиция 13 (строка 2, столбец 6), неожиданный символ "}"');
    expect(r.request.rawBody).toBe('{"a":1,\n "b":}');
    expect(r.request.body).toBeNull();
    expect(r.request.query).toEqual({ x: "1" });
  });

  it("finds the error position for the usual mistakes", () => {
    expect(jsonErrorPosition('{"a":1')).toBe(6);
    expect(jsonErrorPosition("[1,2,,]")).toBe(5);
    expect(jsonErrorPosition("{a:1}")).toBe(1);
    expect(jsonErrorPosition('"abc')).toBe(4);
    expect(jsonErrorPosition("1 2")).toBe(2);
    expect(jsonErrorPosition('{"a":tru}')).toBe(8);
    expect(jsonErrorPosition('{"a":"\\x"}')).toBe(7);
    expect(jsonErrorPosition("01")).toBe(1);
  });
});

describe("form bodies", () => {
  it("parses url-encoded forms with bracket, repeated and dotted keys", async () => {
    const r = parsed(
      await parseRequest(
        input({
          contentType: "application/x-www-form-urlencoded",
          body: Buffer.from("fields%5BTITLE%5D=%D0%97%D0%B0%D1%8F%D0%B2%D0%BA%D0%B0&services=a&services=b&appointment.time=10:30&note=a+b"),
        }),
      ),
    );
    expect(r.body).toEqual({
      fields: { TITLE: "Заявка" },
      services: ["a", "b"],
      "appointment.time": "10:30",
      note: "a b",
    });
    expect(r.payload).toEqual(r.body);
  });

  it("decodes a windows-1251 form body with Cyrillic (escaped and raw bytes)", async () => {
    const raw = Buffer.concat([
      Buffer.from("name=%C8%E2%E0%ED+%CF%E5%F2%F0%EE%E2&city="),
      iconv.encode("Москва", "windows-1251"),
      Buffer.from("&fields[%D2%C5%CB]=1"),
    ]);
    const r = parsed(await parseRequest(input({ contentType: "application/x-www-form-urlencoded; charset=windows-1251", body: raw })));
    expect(r.body).toEqual({ name: "Иван Петров", city: "Москва", fields: { ТЕЛ: "1" } });
    expect(r.rawBody).toBe("name=%C8%E2%E0%ED+%CF%E5%F2%F0%EE%E2&city=Москва&fields[%D2%C5%CB]=1");
  });

  it("decodes a windows-1251 text and JSON body (charset label is case-insensitive and may be quoted)", async () => {
    const text = parsed(await parseRequest(input({ contentType: 'text/plain; charset="Windows-1251"', body: iconv.encode("Привет", "win1251") })));
    expect(text.body).toBe("Привет");
    expect(text.payload).toEqual({ body: "Привет" });
    const json = parsed(await parseRequest(input({ contentType: "application/json; charset=cp1251", body: iconv.encode('{"имя":"Ёж"}', "cp1251") })));
    expect(json.body).toEqual({ имя: "Ёж" });
  });

  it("decodes UTF-8 by default", async () => {
    const r = parsed(await parseRequest(input({ contentType: "text/plain", body: Buffer.from("Ёлка 🎄") })));
    expect(r.body).toBe("Ёлка 🎄");
  });

  it("rejects an unsupported charset with 415", async () => {
    const r = rejected(await parseRequest(input({ contentType: "text/plain; charset=x-klingon", body: Buffer.from("abc") })));
    expect(r.status).toBe(415);
    expect(r.code).toBe("unsupported_charset");
    expect(r.message).toBe('Unsupported charset "x-klingon"');
    expect(r.request.rawBody).toBe("abc");
  });

  it("parses multipart/form-data with fields and a file", async () => {
    const boundary = "----hookflowBoundary";
    const body = Buffer.from(
      [
        `--${boundary}`,
        'Content-Disposition: form-data; name="fields[NAME]"',
        "",
        "Иван",
        `--${boundary}`,
        'Content-Disposition: form-data; name="tags"',
        "",
        "a",
        `--${boundary}`,
        'Content-Disposition: form-data; name="tags"',
        "",
        "b",
        `--${boundary}`,
        'Content-Disposition: form-data; name="doc"; filename="отчёт.pdf"',
        "Content-Type: application/pdf",
        "",
        "%PDF-1.4 0123456789",
        `--${boundary}--`,
        "",
      ].join("\r\n"),
    );
    const r = parsed(await parseRequest(input({ url: "/h?src=form", contentType: `multipart/form-data; boundary=${boundary}`, body })));
    expect(r.body).toEqual({
      fields: { NAME: "Иван" },
      tags: ["a", "b"],
      doc: { filename: "отчёт.pdf", mimeType: "application/pdf", size: 19 },
    });
    expect(r.payload).toEqual({ src: "form", ...(r.body as object) });
    expect(r.rawBody).toBeNull();
    expect(r.sizeBytes).toBe(body.length);
  });

  it("rejects multipart without a boundary with 400", async () => {
    const r = rejected(await parseRequest(input({ contentType: "multipart/form-data", body: Buffer.from("x") })));
    expect(r.status).toBe(400);
    expect(r.code).toBe("invalid_multipart");
  });

  it("keeps anything else as raw text", async () => {
    const xml = parsed(await parseRequest(input({ contentType: "application/xml", body: Buffer.from("<a>1</a>") })));
    expect(xml.body).toBe("<a>1</a>");
    expect(xml.rawBody).toBe("<a>1</a>");
    const none = parsed(await parseRequest(input({ body: Buffer.from("plain") })));
    expect(none.body).toBe("plain");
    expect(none.contentType).toBeNull();
  });
});

describe("limits, encodings and headers", () => {
  it("rejects a body over the limit with 413 and keeps its size", async () => {
    const r = rejected(await parseRequest(input({ url: "/h?a=1", body: Buffer.alloc(11, 0x61), maxBytes: 10 })));
    expect(r.status).toBe(413);
    expect(r.code).toBe("payload_too_large");
    expect(r.request.sizeBytes).toBe(11);
    expect(r.request.rawBody).toBeNull();
    expect(r.request.query).toEqual({ a: "1" });
  });

  it("accepts a body of exactly the limit", async () => {
    const r = parsed(await parseRequest(input({ body: Buffer.alloc(10, 0x61), maxBytes: 10 })));
    expect(r.body).toBe("aaaaaaaaaa");
  });

  it("inflates gzip bodies and bounds the inflated size", async () => {
    const gz = zlib.gzipSync(Buffer.from('{"a":"сжато"}'));
    const r = parsed(
      await parseRequest({
        method: "POST",
        url: "/h",
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
        body: gz,
      }),
    );
    expect(r.body).toEqual({ a: "сжато" });
    const bomb = zlib.gzipSync(Buffer.alloc(100_000));
    const big = rejected(await parseRequest({ method: "POST", url: "/h", headers: { "content-encoding": "gzip" }, body: bomb, maxBytes: 1000 }));
    expect(big.status).toBe(413);
    const odd = rejected(await parseRequest({ method: "POST", url: "/h", headers: { "content-encoding": "zstd-x" }, body: Buffer.from("x") }));
    expect(odd.status).toBe(415);
    expect(odd.code).toBe("unsupported_encoding");
  });

  it("masks credentials and keeps the other headers", async () => {
    const r = parsed(
      await parseRequest({
        method: "POST",
        url: "/h",
        headers: {
          authorization: "Bearer secret",
          "proxy-authorization": "Basic x",
          cookie: "sid=1",
          "x-api-key": "k",
          "x-auth-token": "t",
          "user-agent": "Klientiks/1.0",
          "x-forwarded-for": "10.0.0.1",
          accept: "*/*",
        },
        body: Buffer.alloc(0),
      }),
    );
    expect(r.headers).toEqual({
      authorization: "***",
      "proxy-authorization": "***",
      cookie: "***",
      "x-api-key": "***",
      "x-auth-token": "***",
      "user-agent": "Klientiks/1.0",
      "x-forwarded-for": "10.0.0.1",
      accept: "*/*",
    });
  });
});
