// An in-process SMTP server that keeps what it receives, parsed as a mail client would.
import type net from "node:net";
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";

export type SinkMessage = { to: string[]; mail: ParsedMail };
export type SmtpSink = { port: number; messages: SinkMessage[]; close(): Promise<void> };

export async function startSmtpSink(port = 0, host = "127.0.0.1"): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // No certificate here: nodemailer would try STARTTLS and fail on a self-signed one.
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.server.address() as net.AddressInfo).port,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
