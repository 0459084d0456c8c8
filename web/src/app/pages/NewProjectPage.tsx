// Placeholder until the page lands in this session's slice.
export function NewProjectPage() {
  return <h1>NewProjectPage</h1>;
}
