"use client";
import { createContext, useContext } from "react";
import { useLocale } from "next-intl";
import type { Store, EditorState } from "./store";
import { useStoreValue } from "./store";
import type { Locale } from "./placeholders";

export const StoreContext = createContext<Store | null>(null);

export function useStore(): Store {
  const s = useContext(StoreContext);
  if (!s) throw new Error("editor store missing");
  return s;
}

export function useEditor<T>(selector: (s: EditorState) => T): T {
  return useStoreValue(useStore(), selector);
}

export function useEditorLocale(): Locale {
  return useLocale() === "en" ? "en" : "ru";
}
