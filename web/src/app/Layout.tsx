import { NavLink, Outlet } from "react-router-dom";
import { useSession } from "./session/SessionContext";

const SECTIONS = [
  { to: "/datasets", label: "Datasets" },
  { to: "/instructions", label: "Instructions" },
  { to: "/projects", label: "Projects" },
  { to: "/users", label: "Users", admins: true },
  { to: "/profile", label: "Profile" },
] as const;

/** The frame of every signed-in page: navigation, who is signed in, sign-out. */
export function Layout() {
  const { user, signOut } = useSession();

  function leave() {
    // Once the user is gone, RequireSession shows the sign-in page.
    signOut().catch(() => undefined);
  }

  return (
    <div className="layout">
      <header>
        <span className="brand">Pixelwise</span>
        <nav aria-label="Main">
          {SECTIONS.filter((section) => !("admins" in section) || user?.org_role === "admin").map((section) => (
            <NavLink key={section.to} to={section.to}>
              {section.label}
            </NavLink>
          ))}
        </nav>
        <span className="who">{user?.email}</span>
        <button type="button" onClick={leave}>
          Sign out
        </button>
      </header>
      <main>
        <Outlet />
      </main>
    </div>
  );
}
