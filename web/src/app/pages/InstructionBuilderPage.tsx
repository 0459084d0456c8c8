// Placeholder until the page lands in this session's slice.
export function InstructionBuilderPage() {
  return <h1>InstructionBuilderPage</h1>;
}
