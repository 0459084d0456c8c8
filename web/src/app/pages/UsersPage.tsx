import { type FormEvent, useCallback, useState } from "react";
import { type ApiError, ok, type Schemas } from "../../api/client";
import { asApiError } from "../../api/problem";
import { api } from "../api";
import { ListFooter } from "../components/ListFooter";
import { ProblemAlert } from "../components/ProblemAlert";
import { TextField } from "../components/TextField";
import { formatTime } from "../format";
import { usePagedList } from "../hooks/usePagedList";
import { useSession } from "../session/SessionContext";
import "../manage.css";

type User = Schemas["UserOut"];
type OrgRole = Schemas["OrgRole"];

const PAGE_SIZE = 100;

/** Users and their organisation roles (organisation admins): add one, change a role, deactivate. */
export function UsersPage() {
  const { user: me } = useSession();
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const fetchPage = useCallback(
    (cursor: string | null) => ok(api.GET("/api/users", { params: { query: { limit: PAGE_SIZE, cursor, ...(applied === "" ? {} : { search: applied }) } } })),
    [applied],
  );
  const list = usePagedList(fetchPage);

  async function update(target: User, change: { org_role?: OrgRole; is_active?: boolean }) {
    setError(null);
    try {
      await ok(api.PATCH("/api/users/{user_id}", { params: { path: { user_id: target.id } }, body: change }));
      list.reload();
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  if (me !== null && me.org_role !== "admin") {
    return (
      <section>
        <h1>Users</h1>
        <p className="muted">Only organisation admins manage users.</p>
      </section>
    );
  }

  return (
    <section className="manage">
      <div className="page-head">
        <h1>Users</h1>
      </div>
      <NewUserForm onCreated={list.reload} />
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(search.trim());
        }}
        role="search"
      >
        <div className="field">
          <label htmlFor="user-search">Find by email or name</label>
          <input id="user-search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        </div>
        <div className="field">
          <button type="submit" className="secondary">
            Find
          </button>
        </div>
      </form>
      <ProblemAlert error={error ?? list.error} />
      <table aria-label="Users">
        <thead>
          <tr>
            <th>User</th>
            <th>Organisation role</th>
            <th>Status</th>
            <th>Since</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((user) => (
            <tr key={user.id} data-user={user.email} className={user.is_active ? "" : "muted"}>
              <td>
                {user.name === "" ? user.email : user.name} {user.name !== "" && <span className="muted">{user.email}</span>}
                {user.id === me?.id && <span className="muted"> (you)</span>}
              </td>
              <td>
                <select aria-label={`Organisation role of ${user.email}`} value={user.org_role} onChange={(event) => void update(user, { org_role: event.target.value as OrgRole })}>
                  <option value="member">member</option>
                  <option value="admin">admin</option>
                </select>
              </td>
              <td>{user.is_active ? "active" : "deactivated"}</td>
              <td>{formatTime(user.created_at)}</td>
              <td>
                {user.is_active ? (
                  <button type="button" className="secondary small" disabled={user.id === me?.id} onClick={() => void update(user, { is_active: false })} aria-label={`Deactivate ${user.email}`}>
                    Deactivate
                  </button>
                ) : (
                  <button type="button" className="secondary small" onClick={() => void update(user, { is_active: true })} aria-label={`Reactivate ${user.email}`}>
                    Reactivate
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ListFooter count={list.items.length} loading={list.loading} hasMore={list.hasMore} onLoadMore={list.loadMore} noun="users" />
    </section>
  );
}

/** A new account: email, name, a first password the person changes on their profile, and a role. */
function NewUserForm({ onCreated }: { readonly onCreated: () => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<OrgRole>("member");
  const [error, setError] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setCreated(null);
    try {
      const made = await ok(api.POST("/api/users", { body: { email, name, password, org_role: role } }));
      setCreated(`${made.email} can now sign in with the password you chose; ask them to change it on their profile page.`);
      setEmail("");
      setName("");
      setPassword("");
      setRole("member");
      onCreated();
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  return (
    <form className="panel" aria-label="Add a user" onSubmit={(event) => void create(event)} noValidate>
      <h2>Add a user</h2>
      <div className="row">
        <TextField label="Email" name="email" type="email" value={email} onChange={setEmail} error={error} autoComplete="off" required />
        <TextField label="Name" name="name" value={name} onChange={setName} error={error} autoComplete="off" />
        <TextField label="First password (8 characters or more)" name="password" type="password" value={password} onChange={setPassword} error={error} autoComplete="new-password" required />
        <div className="field">
          <label htmlFor="new-user-role">Role</label>
          <select id="new-user-role" value={role} onChange={(event) => setRole(event.target.value as OrgRole)}>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </div>
      </div>
      <ProblemAlert error={error} fields={["email", "name", "password"]} />
      {created !== null && (
        <p className="notice" role="status">
          {created}
        </p>
      )}
      <button type="submit">Add user</button>
    </form>
  );
}
