/**
 * 001, "Why should this work?" (committees) and "Bootstrapped AGGregatING
 * (BAGGING)": E_COM = E_AV / M when the members' errors are uncorrelated;
 * bagged members share their data, so their errors correlate and the
 * committee gains less. The experiment is src/train/committee.ts
 * (`runCommittees`, whose committee prediction is the `Ensemble` module); the
 * figure shows h(x) = sin 2πx, the members and the committee's mean.
 */
import { runCommittees, type CommitteeResult, type CommitteesRun } from "../../train/committee.js";
import type { Experiment, ExperimentOptions, ExperimentResult, Figure } from "./experiment.js";

const PANEL = { width: 380, height: 220, top: 40, left: [40, 470] as const };

/** One panel: h in black, members in light grey, the committee's mean in colour; y in [−1.6, 1.6]. */
function panel(title: string, left: number, grid: number[], h: number[], members: number[][], committee: number[], color: string): string {
  const { width: w, height: ht, top } = PANEL;
  const x = (v: number) => (left + v * w).toFixed(1);
  const y = (v: number) => (top + ht / 2 - (Math.max(-1.6, Math.min(1.6, v)) / 1.6) * (ht / 2)).toFixed(1);
  const line = (values: number[], stroke: string, width: number) =>
    `<polyline points="${values.map((v, i) => `${x(grid[i])},${y(v)}`).join(" ")}" fill="none" stroke="${stroke}" stroke-width="${width}"/>`;
  return [
    `<text x="${left + w / 2}" y="${top - 12}" text-anchor="middle" font-size="13">${title}</text>`,
    `<rect x="${left}" y="${top}" width="${w}" height="${ht}" fill="none" stroke="#888"/>`,
    `<line x1="${left}" x2="${left + w}" y1="${y(0)}" y2="${y(0)}" stroke="#eee"/>`,
    ...members.map((m) => line(m, "#bbb", 1)),
    line(h, "black", 2),
    line(committee, color, 2.5),
  ].join("\n");
}

/** The figure: both committees side by side. */
function committeeSvg(run: CommitteesRun): string {
  const { x, h } = run.grid;
  const W = 880, H = 300;
  const fmt = (r: CommitteeResult) => `E_AV ${r.eAV.toFixed(4)}, E_COM ${r.eCOM.toFixed(4)}, corr ${r.meanCorrelation.toFixed(2)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    panel("independent training sets", PANEL.left[0], x, h, run.curves.independent.members, run.curves.independent.committee, "#1f77b4"),
    panel("bagging (bootstrap resamples of one set)", PANEL.left[1], x, h, run.curves.bagging.members, run.curves.bagging.committee, "#d62728"),
    `<text x="${PANEL.left[0]}" y="${H - 14}" font-size="11">${fmt(run.independent)}</text>`,
    `<text x="${PANEL.left[1]}" y="${H - 14}" font-size="11">${fmt(run.bagging)}</text>`,
    `<text x="${W / 2}" y="${H - 30}" text-anchor="middle" font-size="11" fill="#444">black: h(x) = sin 2πx; grey: the ${run.independent.M} members; colour: the committee (Ensemble) mean</text>`,
    "</svg>",
    "",
  ].join("\n");
}

async function run({ quick, seed }: ExperimentOptions): Promise<ExperimentResult> {
  const settings = quick ? { M: 10, samples: 20, steps: 250, seed } : { M: 10, samples: 20, steps: 1500, seed };
  const r = runCommittees(settings);
  const rows = [r.independent, r.bagging].flatMap((c, i) => {
    const name = i === 0 ? "independent sets" : "bagging";
    return [
      { quantity: `${name}: E_AV`, lecture: null, nnref: c.eAV },
      { quantity: `${name}: E_COM`, lecture: null, nnref: c.eCOM, note: "the Ensemble's mean prediction against h" },
      { quantity: `${name}: E_COM / (E_AV / M)`, lecture: 1, nnref: c.eCOM / (c.eAV / c.M), note: "the slide's E_COM = E_AV / M assumes uncorrelated errors" },
      { quantity: `${name}: mean corr(ε_m, ε_j)`, lecture: 0, nnref: c.meanCorrelation },
    ];
  });
  const expansionHolds = [r.independent, r.bagging].every((c) => Math.abs(c.eCOM - (c.eAV / c.M + c.crossTerm)) <= 1e-12 * c.eAV);
  const figure: Figure = { file: "committees.svg", kind: "svg", data: committeeSvg(r), caption: "Members and committee mean, independent sets vs bagging (001 committees)" };
  return {
    rows,
    figures: [figure],
    claims: [
      { claim: "E_COM ≤ E_AV: the committee is never worse than its average member", holds: r.independent.eCOM <= r.independent.eAV && r.bagging.eCOM <= r.bagging.eAV },
      { claim: "E_COM = E_AV / M + (1/M²) Σ_{m≠j} E[ε_m ε_j] (the expansion, to 1e-12)", holds: expansionHolds },
      { claim: "nearly uncorrelated members (|corr| < 0.1) give E_COM ≈ E_AV / M (within 50 %)", holds: Math.abs(r.independent.meanCorrelation) < 0.1 && r.independent.eCOM < 1.5 * (r.independent.eAV / r.independent.M) },
      { claim: "bagged members correlate more and gain less: E_COM / (E_AV / M) is larger", holds: r.bagging.meanCorrelation > r.independent.meanCorrelation + 0.05 && r.bagging.eCOM / (r.bagging.eAV / r.bagging.M) > r.independent.eCOM / (r.independent.eAV / r.independent.M) },
    ],
    data: { settings, independent: r.independent, bagging: r.bagging },
  };
}

/** 001's committees and bagging. */
export const committees: Experiment = {
  name: "committees",
  deck: "001 Introduction to ML week 6: Optimization, Regularization",
  slides: ["Why should this work?", "Bootstrapped AGGregatING (BAGGING)"],
  title: "E_AV, E_COM and the members' error correlation, independent sets vs bagging",
  fullRunTime: "~5 s CPU (20 members × 1,500 full-batch Adam steps; AMD EPYC VM)",
  run,
};
