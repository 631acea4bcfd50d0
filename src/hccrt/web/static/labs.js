// Liver labs over time as inline SVG from #lab-data: {visits: [{date, alt, ast, alp, bilirubin}]},
// each value the CTCAE ratio (value / ULN, or / baseline when the baseline was abnormal).
"use strict";
(function () {
  const source = document.getElementById("lab-data");
  const host = document.getElementById("lab-plot");
  if (!source || !host) return;
  const visits = JSON.parse(source.textContent).visits || [];
  if (visits.length < 1) return;
  const NS = "http://www.w3.org/2000/svg";
  const W = 760, H = 260, L = 50, R = 120, T = 12, B = 40;
  const terms = [["alt", "ALT", "#d62728"], ["ast", "AST", "#1f77b4"], ["alp", "ALP", "#2ca02c"], ["bilirubin", "Bilirubin", "#9467bd"]];
  const values = visits.flatMap((v) => terms.map(([k]) => v[k]).filter((x) => x !== null && x !== undefined));
  const yMax = Math.max(5.5, ...values) * 1.1;
  const x = (i) => L + (visits.length === 1 ? (W - L - R) / 2 : ((W - L - R) * i) / (visits.length - 1));
  const y = (r) => T + (H - T - B) * (1 - r / yMax);
  const el = (name, attrs, text) => {
    const node = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "dvh", role: "img", "aria-label": "Liver labs over time" });
  for (const [r, label] of [[1, "1× ULN"], [3, "3×"], [5, "5×"]]) {
    svg.appendChild(el("line", { x1: L, x2: W - R, y1: y(r), y2: y(r), class: "grid", "stroke-dasharray": "4 3" }));
    svg.appendChild(el("text", { x: L - 6, y: y(r) + 4, "text-anchor": "end" }, label));
  }
  visits.forEach((v, i) => svg.appendChild(el("text", { x: x(i), y: H - B + 16, "text-anchor": "middle" }, v.date)));
  svg.appendChild(el("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, "visit date; value / reference (CTCAE v5)"));
  terms.forEach(([key, label, colour], n) => {
    const points = visits.map((v, i) => [i, v[key]]).filter(([, r]) => r !== null && r !== undefined);
    if (!points.length) return;
    svg.appendChild(el("polyline", { points: points.map(([i, r]) => `${x(i)},${y(r)}`).join(" "), fill: "none", stroke: colour, "stroke-width": 2 }));
    points.forEach(([i, r]) => svg.appendChild(el("circle", { cx: x(i), cy: y(r), r: 3, fill: colour })));
    svg.appendChild(el("rect", { x: W - R + 10, y: T + 16 * n, width: 14, height: 4, fill: colour }));
    svg.appendChild(el("text", { x: W - R + 30, y: T + 16 * n + 6 }, label));
  });
  host.appendChild(svg);
})();
