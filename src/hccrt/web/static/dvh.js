// Cumulative DVH plot as inline SVG from the JSON block #dvh-data: {curves: [{name, dose_gy[], volume_pct[]}]}.
// Hover shows dose and volume; clicking a legend entry hides or shows a curve.
"use strict";
(function () {
  const source = document.getElementById("dvh-data");
  const host = document.getElementById("dvh-plot");
  if (!source || !host) return;
  const data = JSON.parse(source.textContent);
  const curves = (data.curves || []).filter((c) => c.dose_gy && c.dose_gy.length > 1);
  if (!curves.length) { host.textContent = "No DVH curves in this evaluation."; return; }
  const NS = "http://www.w3.org/2000/svg";
  const W = 760, H = 400, L = 60, R = 170, T = 15, B = 45;
  const maxDose = Math.max(...curves.map((c) => Math.max(...c.dose_gy)));
  const xMax = Math.max(1, Math.ceil(maxDose / 5) * 5);
  const x = (d) => L + ((W - L - R) * d) / xMax;
  const y = (v) => T + ((H - T - B) * (100 - v)) / 100;
  const el = (name, attrs, text) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "dvh", role: "img", "aria-label": "Cumulative DVH" });
  for (let v = 0; v <= 100; v += 20) {
    svg.appendChild(el("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    svg.appendChild(el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, v));
  }
  const step = xMax <= 20 ? 2 : xMax <= 60 ? 10 : 20;
  for (let d = 0; d <= xMax; d += step) {
    svg.appendChild(el("line", { x1: x(d), x2: x(d), y1: T, y2: H - B, class: "grid" }));
    svg.appendChild(el("text", { x: x(d), y: H - B + 16, "text-anchor": "middle" }, d));
  }
  svg.appendChild(el("text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle" }, "Dose (Gy)"));
  svg.appendChild(el("text", { x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, "text-anchor": "middle" }, "Volume (%)"));
  const palette = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  curves.forEach((c, i) => {
    const colour = c.color || palette[i % palette.length];
    const points = c.dose_gy.map((d, k) => `${x(d).toFixed(1)},${y(c.volume_pct[k]).toFixed(1)}`).join(" ");
    const line = el("polyline", { points, fill: "none", stroke: colour, "stroke-width": 2, "data-name": c.name });
    svg.appendChild(line);
    const ly = T + 16 * i + 8;
    const key = el("g", { class: "legend", tabindex: 0 });
    key.appendChild(el("rect", { x: W - R + 10, y: ly - 8, width: 14, height: 4, fill: colour }));
    key.appendChild(el("text", { x: W - R + 30, y: ly }, c.name));
    key.addEventListener("click", () => {
      const hidden = line.getAttribute("visibility") === "hidden";
      line.setAttribute("visibility", hidden ? "visible" : "hidden");
      key.setAttribute("opacity", hidden ? 1 : 0.4);
    });
    svg.appendChild(key);
  });
  const readout = el("text", { x: L + 8, y: T + 14, class: "readout" }, "");
  svg.appendChild(readout);
  svg.addEventListener("mousemove", (e) => {
    const box = svg.getBoundingClientRect();
    const px = ((e.clientX - box.left) * W) / box.width;
    const dose = ((px - L) * xMax) / (W - L - R);
    if (dose < 0 || dose > xMax) { readout.textContent = ""; return; }
    const parts = curves.map((c) => {
      let k = c.dose_gy.findIndex((d) => d >= dose);
      if (k < 0) return `${c.name} 0%`;
      return `${c.name} ${c.volume_pct[k].toFixed(1)}%`;
    });
    readout.textContent = `${dose.toFixed(1)} Gy: ` + parts.slice(0, 4).join(", ");
  });
  host.appendChild(svg);
})();
