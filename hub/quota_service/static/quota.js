// The quota admin page: the policy form builds the policy document and PUTs it to
// api/policy, as the JSON editor does; the server checks it and answers in Korean.
// Usage follows the month chosen. Nothing here fetches anything but this service.
"use strict";

(() => {
  const xsrf = document.body.dataset.xsrf;
  const form = document.getElementById("policy-form");
  const formMessage = document.getElementById("form-message");

  function show(element, text, kind) {
    element.className = `message ${kind || ""}`;
    element.textContent = text;
  }

  function numberOf(input) {
    if (input.value.trim() === "") return null; // the server says what is missing
    const unit = Number(input.dataset.unit || 1);
    const value = Number(input.value);
    // durations are typed in minutes or hours and kept in whole seconds
    return unit === 1 ? value : Math.round(value * unit);
  }

  function checkedSlugs(row, slugs) {
    return [...row.querySelectorAll("input.slug:checked")]
      .map((box) => box.value)
      .filter((slug) => slugs.has(slug));
  }

  // The policy document from the form, in the order the server writes it; each input
  // gets the path the server names when it refuses a value.
  function collect() {
    const profiles = [...form.querySelectorAll("fieldset.profile")].map((set, i) => {
      const profile = {};
      set.dataset.path = `profiles[${i}]`;
      for (const input of set.querySelectorAll("input[name]")) {
        input.dataset.path = `profiles[${i}].${input.name}`;
        if (input.type === "number") profile[input.name] = numberOf(input);
        else if (input.name === "description") profile.description = input.value;
        else profile[input.name] = input.value.trim();
      }
      return profile;
    });
    const slugs = new Set(profiles.map((p) => p.slug));
    const grants = {};
    for (const row of form.querySelectorAll("#grants-form tr.grant")) {
      if (row.querySelector("input.assigned").checked) {
        grants[row.dataset.group] = checkedSlugs(row, slugs);
      }
    }
    const users = {};
    for (const row of form.querySelectorAll("#users-form tr.user-grant")) {
      const name = row.querySelector("input[name=user]").value.trim();
      row.dataset.path = `users.${name}`;
      if (!name) continue; // a row added and left empty
      if (name in users) throw new Error(`사용자 ${name}의 개별 지정이 두 번 있습니다. 하나를 삭제해 주세요.`);
      users[name] = checkedSlugs(row, slugs);
    }
    const host = {};
    for (const input of form.querySelectorAll("#host input[name]")) {
      input.dataset.path = `host.${input.name}`;
    }
    const hostInput = (name) => form.querySelector(`#host input[name=${name}]`);
    host.cpus = numberOf(hostInput("cpus"));
    host.mem = hostInput("mem").value.trim();
    host.gpus = hostInput("gpus").value.split(/[\s,]+/).filter((id) => id !== "");
    return { profiles, grants, users, host };
  }

  function markInvalid(path) {
    for (const element of form.querySelectorAll("[aria-invalid]")) {
      element.removeAttribute("aria-invalid");
    }
    if (!path) return;
    // the field itself, else the nearest named part (profiles[0] for profiles[0].shell)
    for (let at = path; at; at = at.replace(/(\.[^.]*|\[\d+\])$/, "")) {
      const element = [...form.querySelectorAll("[data-path]")].find((e) => e.dataset.path === at);
      if (element) {
        element.setAttribute("aria-invalid", "true");
        return;
      }
      if (!/[.[]/.test(at)) return;
    }
  }

  async function put(body, message) {
    show(message, "저장하는 중입니다…");
    let response;
    let answer = {};
    try {
      response = await fetch("api/policy", {
        method: "PUT",
        body,
        headers: { "Content-Type": "application/json", "X-XSRFToken": xsrf },
      });
      answer = await response.json().catch(() => ({}));
    } catch {
      show(message, "자원 관리 서비스에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.", "error");
      return null;
    }
    if (response.ok) {
      show(message, "저장했습니다. 다음 서버 시작부터 적용됩니다.", "ok");
      setTimeout(() => location.reload(), 800);
    } else {
      show(message, answer.message || `저장하지 못했습니다 (HTTP ${response.status}).`, "error");
    }
    return { ok: response.ok, answer };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let policy;
    try {
      policy = collect();
    } catch (error) {
      show(formMessage, error.message, "error");
      return;
    }
    const result = await put(JSON.stringify(policy), formMessage);
    if (result) markInvalid(result.ok ? null : result.answer.field);
  });

  document.getElementById("save-json").addEventListener("click", () => {
    // sent as typed: the server reads it and says where it is malformed
    put(document.getElementById("policy").value, document.getElementById("json-message"));
  });

  document.getElementById("add-profile").addEventListener("click", () => {
    const template = document.getElementById("new-profile-template");
    const added = template.content.firstElementChild.cloneNode(true);
    document.getElementById("profile-list").append(added);
    added.querySelector("input[name=slug]").focus();
  });

  document.getElementById("add-user").addEventListener("click", () => {
    const template = document.getElementById("new-user-template");
    const added = template.content.firstElementChild.cloneNode(true);
    document.querySelector("#users-form tbody").append(added);
    added.querySelector("input[name=user]").focus();
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button.remove-profile, button.remove-user");
    if (!button) return;
    if (button.classList.contains("remove-user")) {
      button.closest("tr").remove();
      return;
    }
    const set = button.closest("fieldset.profile");
    const slug = set.dataset.slug;
    set.remove();
    if (slug) {
      // its grants go with it (the columns stay until the page reloads after saving)
      for (const box of form.querySelectorAll("input.slug")) {
        if (box.value === slug) {
          box.checked = false;
          box.disabled = true;
        }
      }
    }
  });

  form.addEventListener("input", (event) => {
    const input = event.target;
    if (input.name === "name" && input.closest("fieldset.profile")) {
      input.closest("fieldset.profile").querySelector(".profile-title").textContent =
        input.value.trim() || "새 프로필";
    }
  });

  form.addEventListener("change", (event) => {
    const box = event.target;
    if (box.classList.contains("slug") && box.checked) {
      const assigned = box.closest("tr").querySelector("input.assigned");
      if (assigned) assigned.checked = true; // granting a profile assigns the group
    }
  });

  // usage: the month chosen reloads the table, and the CSV links follow it
  const monthSelect = document.getElementById("month");
  monthSelect.addEventListener("change", async () => {
    const month = monthSelect.value;
    const query = `month=${encodeURIComponent(month)}`;
    document.getElementById("csv-user").href = `api/usage?${query}&by=user&format=csv`;
    document.getElementById("csv-group").href = `api/usage?${query}&by=group&format=csv`;
    const message = document.getElementById("usage-message");
    show(message, "불러오는 중입니다…");
    let response;
    let answer = {};
    try {
      // the hub's login asks every script request for the XSRF token, reads too
      response = await fetch(`api/usage?${query}&by=user`, { headers: { "X-XSRFToken": xsrf } });
      answer = await response.json().catch(() => ({}));
    } catch {
      show(message, "자원 관리 서비스에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.", "error");
      return;
    }
    if (!response.ok) {
      show(message, answer.message || `사용량을 불러오지 못했습니다 (HTTP ${response.status}).`, "error");
      return;
    }
    show(message, "");
    const columns = ["name", "sessions", "hours", "cpu_hours", "mem_gib_hours", "gpu_hours"];
    const rows = answer.rows.map((row) => {
      const tr = document.createElement("tr");
      for (const column of columns) {
        const td = document.createElement("td");
        td.textContent = row[column];
        tr.append(td);
      }
      return tr;
    });
    if (!rows.length) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = columns.length;
      td.textContent = "이 달의 사용 기록이 없습니다.";
      tr.append(td);
      rows.push(tr);
    }
    document.querySelector("#usage tbody").replaceChildren(...rows);
    document.getElementById("usage-month").textContent = answer.month;
  });

  // A running server stopped by the administrator (the user's work in the home stays).
  const serversMessage = document.getElementById("servers-message");
  for (const button of document.querySelectorAll("button.stop-server")) {
    button.addEventListener("click", async () => {
      const user = button.dataset.user;
      if (!confirm(`${user}의 서버를 중지할까요? 저장하지 않은 노트북 내용은 사라집니다.`)) return;
      button.disabled = true;
      show(serversMessage, `${user}의 서버를 중지하는 중입니다…`);
      let response;
      let answer = {};
      try {
        response = await fetch(`api/servers/${encodeURIComponent(user)}/stop`, {
          method: "POST",
          headers: { "X-XSRFToken": xsrf },
        });
        answer = await response.json().catch(() => ({}));
      } catch {
        show(serversMessage, "자원 관리 서비스에 연결하지 못했습니다. 잠시 후 다시 시도해 주세요.", "error");
        button.disabled = false;
        return;
      }
      if (response.ok) {
        show(serversMessage, answer.message, "ok");
        setTimeout(() => location.reload(), 800);
      } else {
        show(serversMessage, answer.message || `중지하지 못했습니다 (HTTP ${response.status}).`, "error");
        button.disabled = false;
      }
    });
  }
})();
