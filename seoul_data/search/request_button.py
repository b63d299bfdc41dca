"""``RequestButtons``: sends a page's "이 자료 요청하기" clicks to the data search REST API,
as requests of the person viewing the page.

The dashboards' kernels are shared and preheated: a kernel does not know who views its
page, and a name it sent would be only its word. So a request does not go through the
kernel: this widget's JavaScript, in the viewer's browser, POSTs to
``{base_url}seoul-data/api/requests`` with the page's own hub login (its cookie, and the
XSRF token the hub set beside it), and the service records the hub user of that request
(``extensions/seoul_data_search/data_requests.py``). The body carries the dataset and what
was asked, never a name.

The widget shows nothing: it listens for clicks on the buttons that
:func:`seoul_data.search.views.render_catalogue_only` draws (``button.sd-request``, with
``data-sd-request`` and ``data-sd-query``) anywhere on the page, and writes the service's
reply (Korean) beside the button. Its script travels over the kernel connection, like every
widget's: nothing is fetched from outside.
"""

from __future__ import annotations

import anywidget
import traitlets as t

#: The REST API route, under the page's base URL (a Voila page's and JupyterLab's
#: ``jupyter-config-data`` say it).
API_PATH = "seoul-data/api/requests"

_ESM = r"""
function baseUrl() {
  const config = document.getElementById("jupyter-config-data");
  try {
    const url = config && JSON.parse(config.textContent).baseUrl;
    if (url) return url.endsWith("/") ? url : url + "/";
  } catch (error) {}
  return "/";
}

function xsrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function say(status, text, failed) {
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("sd-failed", failed);
}

async function send(button, path) {
  const status = button.parentElement.querySelector(".sd-request-status");
  button.disabled = true;
  say(status, "요청을 보내는 중입니다…", false);
  try {
    const reply = await fetch(baseUrl() + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRFToken": xsrfToken() },
      body: JSON.stringify({
        id: button.dataset.sdRequest,
        query: button.dataset.sdQuery || "",
      }),
    });
    let message = "";
    try {
      message = (await reply.json()).message || "";
    } catch (error) {}
    if (reply.ok) {
      button.textContent = "요청함";
      say(status, message, false);
      return;
    }
    if (!/[가-힣]/.test(message)) {
      message =
        reply.status === 403
          ? "로그인이 확인되지 않아 요청하지 못했습니다. 페이지를 새로 고친 뒤 다시 눌러 주세요."
          : `요청하지 못했습니다 (HTTP ${reply.status}). 잠시 뒤 다시 눌러 주세요.`;
    }
    button.disabled = false;
    say(status, message, true);
  } catch (error) {
    button.disabled = false;
    say(status, "요청하지 못했습니다: 서버에 닿지 않습니다. 잠시 뒤 다시 눌러 주세요.", true);
  }
}

export default {
  render({ model, el }) {
    el.style.display = "none";
    if (window.__sdRequestButtons) return; // one listener a page
    window.__sdRequestButtons = true;
    document.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest("button.sd-request");
      if (button && !button.disabled) send(button, model.get("api_path"));
    });
  },
};
"""


class RequestButtons(anywidget.AnyWidget):
    """Display once on a page that shows catalogue-only hits (it draws nothing)."""

    _esm = t.Unicode(_ESM).tag(sync=True)
    api_path = t.Unicode(API_PATH).tag(sync=True)
