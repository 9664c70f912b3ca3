import { describe, expect, it } from "vitest";
import { placePicker } from "./field-picker";

const win = { width: 1024, height: 768 };

describe("placePicker", () => {
  it("opens under a field with room below, right-aligned to it", () => {
    const p = placePicker({ top: 100, bottom: 130, right: 900 }, win);
    expect(p).toMatchObject({ left: 580, top: 134 });
    expect(p.bottom).toBeUndefined();
  });

  it("opens above a field near the bottom of the window, within the window", () => {
    const p = placePicker({ top: 700, bottom: 730, right: 1020 }, win);
    expect(p.top).toBeUndefined();
    expect(p.bottom).toBe(768 - 700 + 4);
    expect(p.left + 320).toBeLessThanOrEqual(1024 - 8);
    expect(p.listMax).toBeLessThanOrEqual(700 - 8 - 50);
  });

  it("never leaves the left edge", () => {
    expect(placePicker({ top: 100, bottom: 130, right: 120 }, win).left).toBe(8);
  });
});
