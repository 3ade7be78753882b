// The explorer page: preact + htm, no build step. The path lives in the URL
// (#path=0,2,1), so a reload or a shared link shows the same state; the
// server recomputes everything from the path.
import { html, render, useEffect, useState } from "/vendor/preact-htm.js";

/** The path in the URL: successor ordinals, the initial state's first. */
function pathFromHash() {
  const m = /(?:^#|&)path=([\d,]+)/.exec(location.hash);
  return m
    ? m[1]
        .split(",")
        .filter((x) => x !== "")
        .map(Number)
    : [0];
}

function go(path) {
  const hash = `#path=${path.join(",")}`;
  if (location.hash !== hash) location.hash = hash;
}

async function getJson(url, init) {
  const res = await fetch(url, init);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** A path as trace-formats writes it: `nodes.tm.tmState`, `log[2]`, `nodes["a-b"]`. */
function childPath(parent, key) {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isInside(path, changed) {
  return changed.some((c) => c !== path && (path === "" || c.startsWith(`${path}.`) || c.startsWith(`${path}[`)));
}

function Value({ name, value, path, changed }) {
  const isChanged = changed.includes(path);
  const label = name === null ? null : html`<span class="key">${name}</span>: `;
  if (value === null || typeof value !== "object") {
    return html`<div class=${`leaf${isChanged ? " changed" : ""}`} data-path=${path}>
      ${label}<span class="value">${JSON.stringify(value)}</span>
    </div>`;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const inside = isInside(path, changed);
  const summary = Array.isArray(value) ? `[${value.length}]` : `{${entries.length}}`;
  return html`<details
    open=${path === "" || inside || isChanged || entries.length <= 4}
    class=${isChanged ? "changed" : inside ? "inside" : ""}
    data-path=${path}
  >
    <summary>${label}${summary}</summary>
    ${entries.map(([k, v]) => html`<${Value} key=${k} name=${String(k)} value=${v} path=${childPath(path, k)} changed=${changed} />`)}
  </details>`;
}

function Properties({ properties }) {
  if (properties.length === 0) return html`<p class="empty">The spec declares no property.</p>`;
  return html`<table class="props">
    <tbody>
      ${properties.map(
        (p) =>
          html`<tr class=${p.status.replace("/", "-")} data-property=${p.name} data-status=${p.status}>
            <td>${p.name}</td>
            <td>${p.kind}</td>
            <td><span class="status">${p.status}</span></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function App() {
  const [info, setInfo] = useState(null);
  const [path, setPath] = useState(pathFromHash());
  const [trail, setTrail] = useState(pathFromHash());
  const [view, setView] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    getJson("/api/info").then(setInfo, (e) => setError(e.message));
    const onHash = () => setPath(pathFromHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    let live = true;
    getJson(`/api/view?path=${path.join(",")}`).then(
      (v) => {
        if (!live) return;
        setView(v);
        setError(null);
        document.body.dataset.path = v.path.join(",");
        // Forward goes back down the trail while the current path is a prefix of it.
        setTrail((t) => (v.path.every((x, i) => t[i] === x) && t.length >= v.path.length ? t : v.path));
      },
      (e) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [path.join(",")]);

  async function loadTrace(event) {
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      const { path: p } = await getJson("/api/trace", { method: "POST", body: await file.text() });
      setTrail(p);
      go(p);
    } catch (e) {
      setError(`${file.name}: ${e.message}`);
    }
    event.target.value = "";
  }

  const who = info
    ? `${info.spec}${info.variant === "default" ? "" : ` --variant ${info.variant}`} ${Object.entries(info.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`
    : "";
  const violated = view?.properties.filter((p) => p.status === "violated") ?? [];
  const canForward = view && trail.length > view.path.length;
  return html`
    <header>
      <h1>interleave explore</h1>
      <span class="who">${who}</span>
      <label
        >Load a counterexample (JSON or ITF):
        <input type="file" accept=".json,.itf,.itf.json" onChange=${loadTrace} data-test="load-trace"
      /></label>
    </header>
    ${error && html`<div class="error" role="alert">${error}</div>`}
    ${
      view &&
      html`<main>
        <div>
          <section>
            <h2>Path (${view.path.length - 1} step${view.path.length === 2 ? "" : "s"})</h2>
            <div class="nav">
              <button data-test="back" disabled=${view.path.length <= 1} onClick=${() => go(view.path.slice(0, -1))}>
                ◀ Back
              </button>
              <button
                data-test="forward"
                disabled=${!canForward}
                onClick=${() => go(trail.slice(0, view.path.length + 1))}
              >
                Forward ▶
              </button>
              <button data-test="restart" disabled=${view.path.length <= 1} onClick=${() => go(view.path.slice(0, 1))}>
                Initial state
              </button>
            </div>
            <ol class="path" start="0">
              ${view.steps.map(
                (s, i) =>
                  html`<li
                    class=${i === view.steps.length - 1 ? "current" : ""}
                    onClick=${() => go(view.path.slice(0, i + 1))}
                  >
                    ${s.action ?? `initial state ${view.path[0]}`}
                  </li>`,
              )}
            </ol>
          </section>
          <section>
            <h2>Enabled actions (${view.enabled.length})</h2>
            ${
              view.enabled.length === 0
                ? html`<p class="empty">No action is enabled: this state is final.</p>`
                : html`<ul class="actions">
                    ${view.enabled.map(
                      (a) =>
                        html`<li>
                          <button
                            class=${a.fault ? "action fault" : "action"}
                            data-ordinal=${a.ordinal}
                            onClick=${() => go([...view.path, a.ordinal])}
                          >
                            ${a.label}
                          </button>
                        </li>`,
                    )}
                  </ul>`
            }
          </section>
        </div>
        <div>
          <section>
            <h2>Properties</h2>
            ${violated.map((p) => html`<div class="banner" data-test="violated">${p.kind} ${p.name} is violated in this state</div>`)}
            <${Properties} properties=${view.properties} />
          </section>
          <section>
            <h2>Changed by the last step</h2>
            ${
              view.changes.length === 0
                ? html`<p class="empty">${view.path.length === 1 ? "An initial state." : "Nothing changed."}</p>`
                : html`<ul class="changes">
                    ${view.changes.map((c) => html`<li>${c}</li>`)}
                  </ul>`
            }
          </section>
          ${
            view.sequence &&
            html`<section>
              <h2>Messages so far</h2>
              <div class="sequence-box" dangerouslySetInnerHTML=${{ __html: view.sequence }}></div>
            </section>`
          }
          <section>
            <h2>State</h2>
            <div class="tree" data-test="state">
              <${Value} name=${null} value=${view.steps[view.steps.length - 1].state} path="" changed=${view.changed} />
            </div>
          </section>
        </div>
      </main>`
    }
  `;
}

const root = document.getElementById("app");
root.textContent = "";
render(html`<${App} />`, root);
