// The hidden field every admin form that changes something must carry.
export function CsrfInput({ token }: { token: string }) {
  return <input type="hidden" name="csrf" value={token} />;
}
