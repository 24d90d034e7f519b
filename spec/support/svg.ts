/**
 * Checks on the SVG text the charts write, without an XML dependency: that it
 * is well-formed (every tag closed in order, attributes quoted, no raw `<` or
 * `&` in text), and where its text labels sit, so a spec can assert that none
 * leaves the viewBox.
 */
import * as assert from "uvu/assert";

/** Asserts well-formed XML of the kind the charts write (elements, attributes, text; no CDATA or comments). */
export function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf("<", i);
    const text = svg.slice(i, lt < 0 ? svg.length : lt);
    assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text), `raw & in text: ${JSON.stringify(text.slice(0, 60))}`);
    assert.ok(!text.includes(">"), `raw > in text: ${JSON.stringify(text.slice(0, 60))}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    assert.ok(m, `malformed tag at ${lt}: ${JSON.stringify(svg.slice(lt, lt + 80))}`);
    const [whole, closing, name, , selfClosing] = m!;
    if (closing) assert.is(stack.pop(), name, `</${name}> closes the open element`);
    else if (!selfClosing) stack.push(name);
    i = lt + whole.length;
  }
  assert.equal(stack, [], "every element is closed");
  assert.ok(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(svg), "the root is <svg xmlns=…>");
}

/** The viewBox's width and height. */
export function viewBox(svg: string): { width: number; height: number } {
  const m = svg.match(/viewBox="0 0 ([\d.]+) ([\d.]+)"/);
  assert.ok(m, "the svg has a viewBox");
  return { width: Number(m![1]), height: Number(m![2]) };
}

/** Every <text> without a transform: position, anchor and content (entities decoded). */
export function texts(svg: string): Array<{ x: number; y: number; anchor: string; text: string; cls: string }> {
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)]
    .filter((m) => !m[1].includes("transform="))
    .map((m) => {
      const attr = (n: string) => m[1].match(new RegExp(`(?:^|\\s)${n}="([^"]*)"`))?.[1];
      const text = m[2].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
      return { x: Number(attr("x")), y: Number(attr("y")), anchor: attr("text-anchor") ?? "start", text, cls: attr("class") ?? "" };
    });
}

/**
 * Asserts that every text label lies inside the viewBox, its width estimated
 * at `charWidth` px per character (11–14 px sans-serif is narrower than 7 px
 * for digits and most letters).
 */
export function assertTextInside(svg: string, charWidth = 6): void {
  const { width, height } = viewBox(svg);
  for (const t of texts(svg)) {
    const w = t.text.length * charWidth;
    const [from, to] = t.anchor === "end" ? [t.x - w, t.x] : t.anchor === "middle" ? [t.x - w / 2, t.x + w / 2] : [t.x, t.x + w];
    assert.ok(from >= 0 && to <= width, `"${t.text}" spans x ${from.toFixed(0)}…${to.toFixed(0)}, outside 0…${width}`);
    assert.ok(t.y - 11 >= 0 && t.y <= height, `"${t.text}" at y ${t.y}, outside 0…${height}`);
  }
}

/** The labels of the `class="series"` groups, in order. */
export function seriesNames(svg: string): string[] {
  return [...svg.matchAll(/<g class="series" data-series="([^"]*)"/g)].map((m) => m[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
}
