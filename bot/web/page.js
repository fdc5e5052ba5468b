// The whole-page review (Telegram Mini App). Telegram opens this page with the user's signed
// initData (tgWebAppData) and theme (tgWebAppThemeParams) in the URL fragment; the reading's
// id is in the query (?reading=ID). The page trades initData for a short session and then
// works through API v1 like any client: GET the reading and its page images, PATCH lines at
// the reading's revision, POST the note. No script from outside, no build step.
"use strict";

(function () {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const initData = fragment.get("tgWebAppData") || "";
  const readingId = new URLSearchParams(location.search).get("reading") || "";
  const apiBase = new URL("../v1/", location.href);
  const $ = (id) => document.getElementById(id);

  let words = {};
  let token = "";
  let reading = null; // GET /v1/readings/{id} as last answered
  let pages = []; // per page: {url, width, height} once its image is loaded
  const edits = new Map(); // line number -> {text, dropped, confirmed}: the user's decisions

  function say(name, params) {
    let text = words[name] || "";
    for (const [key, value] of Object.entries(params || {})) {
      text = text.split("{" + key + "}").join(String(value));
    }
    return text;
  }

  function userLanguage() {
    try {
      const user = JSON.parse(new URLSearchParams(initData).get("user") || "{}");
      return user.language_code || navigator.language || "en";
    } catch (e) {
      return navigator.language || "en";
    }
  }
  const language = userLanguage();

  // Telegram's clients listen for these (the Mini Apps "web events"); a plain browser has none.
  function postEvent(type, data) {
    const body = JSON.stringify(data || {});
    try {
      if (window.TelegramWebviewProxy) {
        window.TelegramWebviewProxy.postEvent(type, body);
      } else if (window.external && "notify" in window.external) {
        window.external.notify(JSON.stringify({ eventType: type, eventData: data || {} }));
      } else if (window.parent !== window) {
        window.parent.postMessage(
          JSON.stringify({ eventType: type, eventData: data || {} }), "https://web.telegram.org"
        );
      }
    } catch (e) {
      // Not inside Telegram: nothing to tell.
    }
  }

  function applyTheme() {
    let theme = {};
    try {
      theme = JSON.parse(fragment.get("tgWebAppThemeParams") || "{}");
    } catch (e) {
      theme = {};
    }
    const root = document.documentElement;
    for (const [key, value] of Object.entries(theme)) {
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        root.style.setProperty("--tg-theme-" + key.replace(/_/g, "-"), value);
      }
    }
    const bg = theme.bg_color;
    if (typeof bg === "string" && /^#[0-9a-fA-F]{6}$/.test(bg)) {
      const [r, g, b] = [1, 3, 5].map((k) => parseInt(bg.slice(k, k + 2), 16) / 255);
      root.classList.add(0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 ? "dark" : "light");
    }
  }

  function status(text, problem) {
    const el = $("status");
    el.textContent = text;
    el.classList.toggle("problem", Boolean(problem));
  }

  // A new session from the same initData (it is valid an hour, a session 15 minutes).
  async function newSession() {
    token = "";
    token = (await call("POST", "sessions", { init_data: initData })).token;
  }

  async function call(method, path, body, again = true) {
    const headers = { "Accept-Language": language };
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(new URL(path, apiBase), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json() : null;
    if (response.status === 401 && token && again) {
      await newSession();
      return call(method, path, body, false);
    }
    if (!response.ok) {
      const error = new Error((data && data.detail) || response.statusText);
      error.status = response.status;
      error.current = data && data.current;
      throw error;
    }
    return data;
  }

  async function loadWords() {
    const headers = { "Accept-Language": language };
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(new URL("words", location.href), { headers });
    words = await response.json();
    document.documentElement.lang = language;
    document.title = words.title;
    $("title").textContent = words.title;
  }

  async function loadPage(n) {
    const response = await fetch(new URL(`readings/${readingId}/pages/${n}`, apiBase), {
      headers: { Authorization: "Bearer " + token },
    });
    if (!response.ok) return null; // no image kept (a PDF's text layer): fields without crops
    const url = URL.createObjectURL(await response.blob());
    const image = new Image();
    image.src = url;
    await image.decode();
    return { url, width: image.naturalWidth, height: image.naturalHeight };
  }

  // ------------------------------------------------------------------ what the user decided

  // The line as the server had it when the user's decision about it began.
  function seen(line) {
    return line.state + "\n" + line.text;
  }

  function decision(line) {
    if (!edits.has(line.number)) {
      edits.set(line.number, {
        text: line.text, dropped: line.state === "dropped", confirmed: false, seen: seen(line),
      });
    }
    return edits.get(line.number);
  }

  function clean(text) {
    return text.split(/\s+/).filter(Boolean).join(" ");
  }

  function settled(line) {
    const d = decision(line);
    if (d.dropped || line.state !== "flagged") return true;
    return d.confirmed || (clean(d.text) !== "" && clean(d.text) !== clean(line.text));
  }

  // The change a line needs (null: none), in API v1's words.
  function change(line) {
    const d = decision(line);
    const text = clean(d.text);
    if (d.dropped) return line.state === "dropped" ? null : { action: "drop" };
    if (line.state === "dropped" || text !== clean(line.text)) return { action: "replace", text };
    if (line.state === "flagged" && d.confirmed) return { action: "confirm" };
    return null;
  }

  function left() {
    return reading.lines.filter((line) => !settled(line)).length;
  }

  // ------------------------------------------------------------------ drawing

  // A line's box is [left, top, width, height] in page pixels.
  function boxStyle(el, box, page) {
    const [l, t, w, h] = box;
    el.style.left = (100 * l) / page.width + "%";
    el.style.top = (100 * t) / page.height + "%";
    el.style.width = (100 * w) / page.width + "%";
    el.style.height = (100 * h) / page.height + "%";
  }

  // The line's crop: the page image as a background, scaled and moved so the box fills it.
  function cropStyle(el, box, page) {
    const pad = 6;
    const l = Math.max(0, box[0] - pad), t = Math.max(0, box[1] - pad);
    const r = Math.min(page.width, box[0] + box[2] + pad);
    const b = Math.min(page.height, box[1] + box[3] + pad);
    const w = Math.max(1, r - l), h = Math.max(1, b - t);
    el.style.backgroundImage = `url("${page.url}")`;
    el.style.aspectRatio = `${w} / ${h}`;
    el.style.backgroundSize = `${(100 * page.width) / w}% auto`;
    const x = page.width > w ? (100 * l) / (page.width - w) : 0;
    const y = page.height > h ? (100 * t) / (page.height - h) : 0;
    el.style.backgroundPosition = `${x}% ${y}%`;
  }

  function drawPages() {
    const holder = $("pages");
    holder.textContent = "";
    pages.forEach((page, k) => {
      if (!page) return;
      const figure = document.createElement("div");
      figure.className = "page";
      const img = document.createElement("img");
      img.src = page.url;
      img.alt = say("page", { page: k + 1 });
      figure.append(img);
      for (const line of reading.lines) {
        if (line.page !== k + 1 || !line.box) continue;
        const box = document.createElement("button");
        box.type = "button";
        box.className = "box";
        box.dataset.line = line.number;
        box.setAttribute("aria-label", say("line", { line: line.number }));
        boxStyle(box, line.box, page);
        box.addEventListener("click", () => {
          const input = document.querySelector(`#line-${line.number} input`);
          input.scrollIntoView({ block: "center" });
          input.focus();
        });
        figure.append(box);
      }
      holder.append(figure);
    });
  }

  function drawLines() {
    const list = $("lines");
    list.textContent = "";
    for (const line of reading.lines) {
      const item = document.createElement("li");
      item.className = "line";
      item.id = "line-" + line.number;
      const head = document.createElement("div");
      head.className = "head";
      const number = document.createElement("span");
      number.className = "number";
      number.textContent = say("line", { line: line.number });
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = line.flagged ? line.confidence_words : "";
      head.append(number, mark);
      item.append(head);
      const page = pages[line.page - 1];
      if (page && line.box) {
        const crop = document.createElement("div");
        crop.className = "crop";
        cropStyle(crop, line.box, page);
        item.append(crop);
      }
      const input = document.createElement("input");
      input.type = "text";
      input.dir = "auto";
      input.value = decision(line).text;
      input.setAttribute("aria-label", say("line", { line: line.number }));
      input.addEventListener("input", () => {
        decision(line).text = input.value;
        refresh();
      });
      item.append(input);
      const tools = document.createElement("div");
      tools.className = "tools";
      if (line.state === "flagged") {
        const confirm = document.createElement("button");
        confirm.type = "button";
        confirm.className = "confirm";
        confirm.textContent = say("confirm");
        confirm.addEventListener("click", () => {
          const d = decision(line);
          d.confirmed = !d.confirmed;
          refresh();
        });
        tools.append(confirm);
      }
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "drop";
      drop.addEventListener("click", () => {
        const d = decision(line);
        d.dropped = !d.dropped;
        refresh();
      });
      tools.append(drop);
      item.append(tools);
      list.append(item);
    }
  }

  // Marks, button states and the count follow the user's decisions.
  function refresh() {
    for (const line of reading.lines) {
      const d = decision(line);
      const item = $("line-" + line.number);
      const done = settled(line);
      item.classList.toggle("flagged", line.state === "flagged" && !done);
      item.classList.toggle("settled", line.state === "flagged" && done && !d.dropped);
      item.classList.toggle("dropped", d.dropped);
      item.querySelector("input").disabled = d.dropped;
      item.querySelector(".drop").textContent = d.dropped ? say("keep") : say("drop");
      const confirm = item.querySelector(".confirm");
      if (confirm) {
        confirm.classList.toggle("on", d.confirmed);
        confirm.disabled = d.dropped;
      }
      const box = document.querySelector(`.box[data-line="${line.number}"]`);
      if (box) {
        box.classList.toggle("flagged", line.state === "flagged" && !done);
        box.classList.toggle("settled", done && !d.dropped);
        box.classList.toggle("dropped", d.dropped);
      }
    }
    const count = left();
    status(count ? say("left", { count }) : say("all-checked"));
    $("save").disabled = count > 0;
  }

  function show(current) {
    // A line changed elsewhere meanwhile is shown as it is now: the user's decision about
    // the line as it was is dropped, never written over the newer change.
    for (const line of current.lines) {
      const d = edits.get(line.number);
      if (d && d.seen !== seen(line)) edits.delete(line.number);
    }
    reading = current;
    drawPages();
    drawLines();
    refresh();
    $("actions").hidden = false;
  }

  // ------------------------------------------------------------------ actions

  function confirmAll() {
    for (const line of reading.lines) {
      const d = decision(line);
      // A line read as nothing has nothing to keep: it needs text or a drop.
      if (line.state === "flagged" && !d.dropped && clean(d.text)) d.confirmed = true;
    }
    refresh();
  }

  // Lines already settled first, the ones to check last: the review ends (the note is saved
  // and sent to chat) with the change that settles its last line, and nothing may come after.
  async function save() {
    $("save").disabled = true;
    $("confirm-all").disabled = true;
    status(say("saving"));
    let current = reading;
    try {
      const order = [...reading.lines].sort(
        (a, b) => (a.state === "flagged") - (b.state === "flagged") || a.number - b.number
      );
      for (const line of order) {
        const wanted = change(line);
        if (!wanted) continue;
        current = await call("PATCH", `readings/${readingId}/lines/${line.number}`, {
          ...wanted, revision: current.revision,
        });
        if (current.status === "saved") break;
      }
      if (current.status !== "saved") {
        await call("POST", `readings/${readingId}/note`);
      }
      $("actions").hidden = true;
      document.body.classList.add("saved");
      status(say("saved"));
      postEvent("web_app_close", { return_back: true });
    } catch (error) {
      $("confirm-all").disabled = false;
      if (error.status === 409 && error.current && error.current.lines) {
        // Changed meanwhile (in chat, or another device): shown as it is now; the user's own
        // edits are kept where they still apply.
        show(error.current);
        status(say("changed"), true);
      } else {
        if (current !== reading) show(current); // the changes written so far, and their revision
        $("save").disabled = left() > 0;
        status(error.status === 401 ? say("expired") : error.message, true);
      }
    }
  }

  async function start() {
    applyTheme();
    postEvent("web_app_ready");
    postEvent("web_app_expand");
    $("confirm-all").addEventListener("click", confirmAll);
    $("save").addEventListener("click", save);
    try {
      if (!initData || !readingId) {
        await loadWords();
        status(say("open-from-chat"), true);
        return;
      }
      try {
        await newSession();
      } catch (error) {
        await loadWords();
        status(say("expired"), true);
        return;
      }
      await loadWords();
      status(say("loading"));
      $("confirm-all").textContent = say("confirm-all");
      $("save").textContent = say("save");
      const current = await call("GET", `readings/${readingId}`);
      if (current.status === "saved") {
        status(say("saved"));
        return;
      }
      pages = await Promise.all(
        Array.from({ length: current.pages }, (_, k) => loadPage(k + 1).catch(() => null))
      );
      show(current);
    } catch (error) {
      status(error.message, true);
    }
  }

  start();
})();
