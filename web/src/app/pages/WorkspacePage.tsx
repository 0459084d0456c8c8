// Placeholder until the page lands in this session's slice.
export function WorkspacePage() {
  return <h1>WorkspacePage</h1>;
}
