// Chooses the UI language and looks up strings in the catalogs (web/i18n/*.json).
// Order: ?lang= in the URL, then the "lang" cookie, then the browser's language; Chinese is the
// default. Every visible string comes from a catalog: nothing is written in the code.
import zh from '../../i18n/zh-CN.json';
import en from '../../i18n/en.json';

const catalogs = { 'zh-CN': zh, en };
export const languages = Object.keys(catalogs);

export function chooseLanguage(location = window.location, cookie = document.cookie,
                               browser = navigator.language) {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl && catalogs[fromUrl]) return fromUrl;
  const fromCookie = /(?:^|;\s*)lang=([^;]+)/.exec(cookie);
  if (fromCookie && catalogs[fromCookie[1]]) return fromCookie[1];
  if (browser && browser.toLowerCase().startsWith('en')) return 'en';
  return 'zh-CN';
}

export function makeTranslator(lang) {
  const catalog = catalogs[lang] || catalogs['zh-CN'];
  return (key) => {
    if (!(key in catalog)) {
      console.warn(`missing translation ${lang}:${key}`);
      return key;
    }
    return catalog[key];
  };
}

export function rememberLanguage(lang) {
  document.cookie = `lang=${lang}; path=/; max-age=31536000; SameSite=Lax`;
}

// Whether the catalog has `key` (for optional names, such as a district's name in English).
export function hasTranslation(lang, key) {
  return key in (catalogs[lang] || catalogs['zh-CN']);
}
