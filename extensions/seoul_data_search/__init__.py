"""Seoul Data Hub's data search in every Jupyter server: a REST API over ``seoul_data``'s
conversational search, direct answers and dataset previews (and, in the dashboards service
only, requests for catalogue-only datasets: :mod:`extensions.seoul_data_search.data_requests`).

Enabled in every server of the environment it is installed in, by
``etc/jupyter/jupyter_server_config.d/seoul_data_search.json``; by hand::

    jupyter server --ServerApp.jpserver_extensions='{"extensions.seoul_data_search": True}'

The routes are in :mod:`extensions.seoul_data_search.handlers`; conversations are kept as
:class:`~extensions.seoul_data_search.sessions.SearchSessions` configures
(``c.SearchSessions.max_sessions`` …). Loading imports neither pandas nor the Korean
analyser: a server that never searches does not pay for them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

API_PATH = "seoul-data/api"


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "extensions.seoul_data_search"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from extensions.seoul_data_search.handlers import handlers
    from extensions.seoul_data_search.sessions import SearchSessions

    web_app = serverapp.web_app
    sessions = SearchSessions(parent=serverapp)
    # one thread: the Korean analyser and a conversation are used by one request at a time
    executor = ThreadPoolExecutor(1, thread_name_prefix="seoul-data-search")
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"], sessions, executor))
    serverapp.log.info("seoul-data search API at %s%s/", web_app.settings["base_url"], API_PATH)
