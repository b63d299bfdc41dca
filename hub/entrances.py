"""The platform's entrances, as the Korean home page lists them.

An entrance is listed only when it exists: a service adds its entry here in the change that
builds it, so the home page never shows a dead link. ``groups`` says who sees it (an empty
tuple: everyone); ``path`` is relative to the hub's base URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hub.dashboards.listing import dashboards

#: Groups whose members may open the dashboards service (everyone on the platform's staff).
DASHBOARD_GROUPS = ("staff", "analyst", "admin")


@dataclass(frozen=True)
class Entrance:
    key: str
    title: str
    description: str
    path: str
    groups: tuple[str, ...] = ()

    def visible_to(self, groups: Iterable[str], admin: bool) -> bool:
        """Whether a user in these groups (with this admin flag) sees this entrance."""
        return not self.groups or admin or not set(groups).isdisjoint(self.groups)

    def href(self, hub_base_url: str, services: Iterable = ()) -> str:
        """The link on the home page of the hub at ``hub_base_url`` (``/hub/``).

        With subdomains (``JupyterHub.subdomain_host``) a service has a host of its own:
        a link into one of ``services`` (JupyterHub's objects, as the template gets them)
        goes to that host."""
        path = hub_base_url.removesuffix("hub/") + self.path
        for service in services:
            if service.host and path.startswith(service.prefix):
                return service.host + path
        return path


ENTRANCES: tuple[Entrance, ...] = (
    Entrance(
        key="lab",
        title="JupyterLab 분석 환경",
        description="내 컨테이너에서 노트북으로 데이터를 검색·불러오기·분석합니다 (고급 분석가).",
        path="hub/spawn",
        groups=("analyst", "admin"),
    ),
    Entrance(
        key="quota",
        title="자원 할당 관리",
        description=(
            "그룹·사용자별 CPU·메모리·GPU 할당, 실행 중인 서버(중지), 사용량, 자료 요청,"
            " 변경 이력을 관리합니다 (관리자)."
        ),
        path="services/quota/",
        groups=("admin",),
    ),
)


def entrances() -> tuple[Entrance, ...]:
    """Every dashboard of the dashboards service, then the platform's other entrances."""
    shown = tuple(
        Entrance(
            f"dashboard-{d.file.removesuffix('.ipynb')}",
            d.title,
            d.description,
            d.path,
            DASHBOARD_GROUPS,
        )
        for d in dashboards()
    )
    return shown + ENTRANCES


@dataclass(frozen=True)
class OpenData:
    """What staff can open now, per Data300 field, for the home page. Not callable:
    JupyterHub calls a callable template variable at every page it renders; the home page
    alone asks :meth:`fields`, which reads the catalogue then."""

    data_dir: Path

    def fields(self) -> list[tuple[str, int]]:
        """(field, datasets with data to open now) in the fields' order; empty while the
        catalogue is not there yet (a first start before ``make data``)."""
        from seoul_data.catalog import Catalog
        from seoul_data.catalog.fields import FIELDS
        from seoul_data.catalog.store import CATALOG_FILE

        if not (self.data_dir / CATALOG_FILE).exists():
            return []
        counts = Catalog(self.data_dir, readonly=True).field_counts()
        return [(field, counts.get(field, {}).get("open", 0)) for field in FIELDS]
