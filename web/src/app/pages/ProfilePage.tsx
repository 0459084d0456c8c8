import { TokensSection } from "../profile/TokensSection";
import { useSession } from "../session/SessionContext";

/** The signed-in user and their API tokens. */
export function ProfilePage() {
  const { user } = useSession();
  if (user === null) return null;
  return (
    <section>
      <h1>Profile</h1>
      <dl className="facts">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Name</dt>
        <dd>{user.name === "" ? "—" : user.name}</dd>
        <dt>Role</dt>
        <dd>{user.org_role}</dd>
      </dl>
      <TokensSection />
    </section>
  );
}
