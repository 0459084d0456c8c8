// Placeholder until the page lands in this session's slice.
export function ProjectPage() {
  return <h1>ProjectPage</h1>;
}
