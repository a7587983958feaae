"""Users, organisations and teams."""

from __future__ import annotations

from . import auth
from .core import R, Request, Response, Route, not_found
from .views import Views

ROUTES: list[Route] = [
    ("GET", R + r"/collaborators/(?P<login>[^/]+)/permission", "collaborator_permission"),
    ("GET", r"/user", "get_me"),
    ("GET", r"/users/(?P<login>[^/]+)", "get_user"),
    ("GET", r"/orgs/(?P<org>[^/]+)", "get_org"),
    ("GET", r"/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)", "get_team"),
    ("GET", r"/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)/members", "list_team_members"),
    ("GET", r"/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)/memberships/(?P<login>[^/]+)", "get_membership"),
]


class OrgRoutes(Views):
    """Handlers for users, organisations, teams and team memberships."""

    def get_me(self, req: Request) -> Response:
        u = self.state.users[req.login]
        return Response(200, self.render.full_user(u.login, u.id, u.type, u.name, u.email, private=True))

    def get_user(self, req: Request) -> Response:
        u = self.state.users.get(req.params["login"])
        if u is None:
            raise not_found()
        return Response(200, self.render.full_user(u.login, u.id, u.type, u.name, u.email, private=False))

    def _orgs(self) -> set[str]:
        return {self.owner} | {org for org, _ in self.state.teams}

    def get_org(self, req: Request) -> Response:
        if req.params["org"] not in self._orgs():
            raise not_found()
        return Response(200, self.render.org(req.params["org"], self.owner_id))

    def get_team(self, req: Request) -> Response:
        return Response(200, self._team_json(req.params["org"], req.params["slug"], full=True))

    def list_team_members(self, req: Request) -> Response:
        team = self.state.teams.get((req.params["org"], req.params["slug"]))
        if team is None:
            raise not_found()
        return self._paginate_map(req, list(team.members), lambda login: self._user(login) or {})

    def get_membership(self, req: Request) -> Response:
        team = self.state.teams.get((req.params["org"], req.params["slug"]))
        login = req.params["login"]
        if team is None or login not in team.members:
            raise not_found()
        url = f"{self.render.api}/orgs/{team.org}/teams/{team.slug}/memberships/{login}"
        return Response(200, {"url": url, "role": "member", "state": "active"})

    def collaborator_permission(self, req: Request) -> Response:
        """The user's role on the repository; logins match case-insensitively, as on GitHub."""
        wanted = req.params["login"].lower()
        login = next((u for u in self.state.users if u.lower() == wanted), None)
        if login is None or login.endswith("[bot]"):
            raise not_found()
        role = self.role(login)
        user = {**(self._user(login) or {}), "role_name": role}
        return Response(200, {"permission": auth.LEGACY[role], "role_name": role, "user": user})
