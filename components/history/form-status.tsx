/** What a history form says after an action: a success notice (role=status) and/or an error (role=alert). */
export function FormStatus({ notice, error }: { notice: string | null; error: string | null }) {
  return (
    <>
      {notice ? (
        <span className="text-sm text-emerald-700" role="status">
          {notice}
        </span>
      ) : null}
      {error ? (
        <span className="text-sm text-red-700" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
}
