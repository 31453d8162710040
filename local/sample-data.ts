/**
 * The embedded default data set: a deterministic imitation of the Kaggle "Trending YouTube Video
 * Statistics" files, with the real files' quirks (line endings, scraper tag quoting, spreadsheet
 * damage, multi-line records, orphan categories, duplicate keys) but invented content throughout.
 * Everything derives from a seeded PRNG, so the same options give byte-identical files.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { STATISTICS } from '../workflows/datasets';

export interface SampleFile {
  name: string;
  content: Buffer;
}

export interface SampleOptions {
  /** Any integer; used modulo 2^32. Default 42. */
  seed?: number;
  /** Records per statistics file (header excluded), quirky records included. Default 400. */
  rowsPerRegion?: number;
  /** Two upper-case letters each. Default US, GB, CA, IN, DE. */
  regions?: readonly string[];
  /** Add objects the pipeline must reject or fail (FR, MX schema drift, notes.txt). Default true. */
  includeBadObjects?: boolean;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_ROWS_PER_REGION = 400;
export const DEFAULT_REGIONS: readonly string[] = ['US', 'GB', 'CA', 'IN', 'DE'];
/** Records in `MXvideos_schema_drift.csv` (the real drifted MX copy has 25). */
export const SCHEMA_DRIFT_ROWS = 25;

/** The contract's header: generated files follow the spec they are meant to exercise. */
export const STATISTICS_HEADER: readonly string[] = STATISTICS.rawColumns;

// ---------------------------------------------------------------------------------------------------
// Seeded randomness

type Rng = () => number;

/** mulberry32: tiny, fast, good enough for sample data, and identical on every platform. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One stream per object name, so adding a region never changes the other regions' files. */
function seedFor(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function randomInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function shuffle<T>(rng: Rng, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function token(rng: Rng, length: number, alphabet = ID_ALPHABET): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rng() * alphabet.length)];
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Word lists (invented content; the real dataset's rows are never copied)

interface Words {
  subjects: readonly string[];
  formats: readonly string[];
  channels: readonly string[];
  tags: readonly string[];
  sentences: readonly string[];
}

const ENGLISH: Words = {
  subjects: [
    'Midnight Ramen',
    'Tiny House',
    'Street Food Tour',
    'Robot Vacuum',
    'Mountain Bike',
    'Budget Gaming PC',
    'Sourdough Bread',
    'Electric Scooter',
    'Backyard Garden',
    'Vintage Camera',
    'Marathon Training',
    'Home Studio',
    'Paper Airplane',
    'Chess Opening',
    'Night Sky Timelapse',
    'Coffee Roasting',
    'Puppy Training',
    'Drone Racing',
    'Winter Camping',
    'Card Trick',
    'Новое видео',
  ],
  formats: [
    'Official Trailer',
    'Full Episode',
    'Live Session',
    'Review',
    'Challenge',
    'Highlights',
    'Behind the Scenes',
    'Tutorial',
    'Unboxing',
    'Reaction',
    'Q&A',
    'Documentary',
    'Official Music Video',
  ],
  channels: [
    'Pixel Harbor',
    'Lakeside Kitchen',
    'NorthStar Sports',
    'Quiet Owl Music',
    'Daily Brief News',
    'Tinker & Bolt',
    'Sam, Alex and Co',
    'The Weekend Lab',
    'Orbit Gaming',
    'Maple Street Comedy',
    'FernTV',
    'Clockwork Crafts',
  ],
  tags: [
    'funny',
    'music',
    'vlog',
    'tutorial',
    'how to',
    'review',
    'gaming',
    'live',
    'news',
    'comedy',
    'sports',
    'highlights',
    'cooking',
    'recipe',
    'diy',
    'travel',
    'tech',
    'unboxing',
    'challenge',
    'official',
    'trailer',
    '2017',
    'behind the scenes',
    'reaction',
    'top 10',
    'short film',
    'новости',
  ],
  sentences: [
    'Subscribe for a new video every week: https://example.com/subscribe',
    'Follow us on Instagram\u00a0→ https://example.com/ig',
    'Music: "Morning Drive" by Quiet Owl, used with permission.',
    'Thanks for watching, and see you next time! 🎬',
    'Filmed in 4K with a borrowed camera, a tripod and a lot of coffee ☕',
    'Watch the full playlist here -- https://example.com/playlist',
    'Business enquiries: hello@example.com',
    'Big thanks to our patrons, you make this channel possible 🙌',
    'Chapters: 0:00 intro, 1:12 the plan, 4:30 "the twist", 9:05 outro',
    'Comment below with your "best" idea 👇',
    'This video is not sponsored.',
    'Some clips courtesy of friends of the channel, used with permission.',
    'Merch\u00a0store: https://example.com/shop',
    'Привет всем! Спасибо за просмотр.',
    'Новое видео каждую пятницу.',
  ],
};

const HINDI: Words = {
  subjects: ['नया गाना', 'ताज़ा ख़बर', 'मज़ेदार वीडियो', 'क्रिकेट हाइलाइट्स', 'रसोई की बातें', 'गाँव की सैर'],
  formats: ['पूरा एपिसोड', 'लाइव', 'ट्रेलर'],
  channels: ['Masala Beats', 'Desi Tech Talk', 'खबर भारत', 'Filmi Duniya', 'Rasoi Ghar'],
  tags: ['hindi', 'bollywood', 'नया गाना', 'ताज़ा ख़बर', 'desi', 'telugu', 'tamil'],
  sentences: [
    'वीडियो अच्छा लगे तो लाइक और शेयर करें 🙏',
    'हमारे चैनल को सब्सक्राइब करें: https://example.com/subscribe',
    'पूरी ख़बर के लिए देखते रहिए।',
  ],
};

const GERMAN: Words = {
  subjects: ['Küchen-Test', 'Straßenfest', 'Fußball am Sonntag', 'Größter Wettkampf'],
  formats: ['Ganze Sendung', 'Offizieller Trailer'],
  channels: ['Kanal Nord', 'Bäckerei Bauer'],
  tags: ['deutsch', 'küche', 'fußball'],
  sentences: [
    'Abonniert den Kanal für mehr Videos – danke fürs Zuschauen! 😊',
    'Musik: „Frühlingsmorgen“ von Kanal Nord.',
  ],
};

const FRENCH: Words = {
  subjects: ['Cuisine à la maison', 'Fête de quartier', 'Défi géant'],
  formats: ['Bande-annonce officielle', 'Épisode complet'],
  channels: ['Chaîne du Midi', 'Atelier Lumière'],
  tags: ['français', 'cuisine', 'défi'],
  sentences: [
    'Abonnez-vous pour ne rien rater, merci à tous ! 🎉',
    'Musique : « Matin calme », avec autorisation.',
  ],
};

const SPANISH: Words = {
  subjects: ['Receta casera', 'Fiesta del barrio', 'Reto gigante'],
  formats: ['Tráiler oficial', 'Episodio completo'],
  channels: ['Canal del Sur', 'Cocina Lucía'],
  tags: ['español', 'receta', 'reto'],
  sentences: ['¡Suscríbete y activa la campanita! 🔔', 'Gracias por ver, nos vemos pronto.'],
};

function mix(a: Words, b: Words): Words {
  return {
    subjects: [...a.subjects, ...b.subjects],
    formats: [...a.formats, ...b.formats],
    channels: [...a.channels, ...b.channels],
    tags: [...a.tags, ...b.tags],
    sentences: [...a.sentences, ...b.sentences],
  };
}

// ---------------------------------------------------------------------------------------------------
// Categories

interface Category {
  id: number;
  title: string;
  assignable: boolean;
}

/** YouTube's public category list; only the US file carries 29, and Comedy is both 23 and 34. */
const CATEGORIES: readonly Category[] = [
  { id: 1, title: 'Film & Animation', assignable: true },
  { id: 2, title: 'Autos & Vehicles', assignable: true },
  { id: 10, title: 'Music', assignable: true },
  { id: 15, title: 'Pets & Animals', assignable: true },
  { id: 17, title: 'Sports', assignable: true },
  { id: 18, title: 'Short Movies', assignable: false },
  { id: 19, title: 'Travel & Events', assignable: true },
  { id: 20, title: 'Gaming', assignable: true },
  { id: 21, title: 'Videoblogging', assignable: false },
  { id: 22, title: 'People & Blogs', assignable: true },
  { id: 23, title: 'Comedy', assignable: true },
  { id: 24, title: 'Entertainment', assignable: true },
  { id: 25, title: 'News & Politics', assignable: true },
  { id: 26, title: 'Howto & Style', assignable: true },
  { id: 27, title: 'Education', assignable: true },
  { id: 28, title: 'Science & Technology', assignable: true },
  { id: 29, title: 'Nonprofits & Activism', assignable: true },
  { id: 30, title: 'Movies', assignable: false },
  { id: 31, title: 'Anime/Animation', assignable: false },
  { id: 32, title: 'Action/Adventure', assignable: false },
  { id: 33, title: 'Classics', assignable: false },
  { id: 34, title: 'Comedy', assignable: false },
  { id: 35, title: 'Documentary', assignable: false },
  { id: 36, title: 'Drama', assignable: false },
  { id: 37, title: 'Family', assignable: false },
  { id: 38, title: 'Foreign', assignable: false },
  { id: 39, title: 'Horror', assignable: false },
  { id: 40, title: 'Sci-Fi/Fantasy', assignable: false },
  { id: 41, title: 'Thriller', assignable: false },
  { id: 42, title: 'Shorts', assignable: false },
  { id: 43, title: 'Shows', assignable: false },
  { id: 44, title: 'Trailers', assignable: false },
];

/** The region whose category file has id 29 ("Nonprofits & Activism"). */
const REGION_WITH_29 = 'US';

/** [category id, weight] of the ids rows use, roughly the real mix. */
const COMMON_CATEGORY_WEIGHTS: readonly (readonly [number, number])[] = [
  [24, 22],
  [10, 14],
  [22, 9],
  [23, 9],
  [26, 8],
  [25, 7],
  [17, 6],
  [28, 5],
  [1, 5],
  [27, 4],
  [15, 2],
  [2, 2],
  [19, 1],
  [20, 2],
];

function categoryFileJson(region: string, seed: number): string {
  const rng = mulberry32(seedFor(seed, `${region}_category_id`));
  const crawl = token(rng, 27);
  const channelId = `UC${token(rng, 22)}`;
  const items = CATEGORIES.filter((c) => c.id !== 29 || region === REGION_WITH_29).map((c) => ({
    kind: 'youtube#videoCategory',
    etag: `"${crawl}/${token(rng, 27)}"`,
    id: String(c.id),
    snippet: { channelId, title: c.title, assignable: c.assignable },
  }));
  // One-space indent and no final newline, as the real category files are written.
  return JSON.stringify(
    { kind: 'youtube#videoCategoryListResponse', etag: `"${crawl}/${token(rng, 27)}"`, items },
    null,
    1,
  );
}

// ---------------------------------------------------------------------------------------------------
// Region dialects: how each real region file was written

interface Dialect {
  eol: string;
  /** The real GB and CA copies end without a final line break. */
  finalEol: boolean;
  trueText: string;
  falseText: string;
  /**
   * scraper: title, channel and description always quoted, tags written `"a"|"b"` with no outer quotes
   * (not RFC 4180); spreadsheet: RFC 4180 minimal quoting of the value a lenient reader would see.
   */
  quoting: 'scraper' | 'spreadsheet';
  /** How the few descriptions that keep real line breaks write them (US: a bare CR before a literal \n). */
  descriptionBreak: string;
  /** A spreadsheet turned some ids starting with '-' into `#NAME?`. */
  mangledIds: boolean;
  words: Words;
  categoryWeights: readonly (readonly [number, number])[];
}

const SCRAPER_LF: Omit<Dialect, 'words' | 'categoryWeights'> = {
  eol: '\n',
  finalEol: true,
  trueText: 'True',
  falseText: 'False',
  quoting: 'scraper',
  descriptionBreak: '\n',
  mangledIds: false,
};

const SPREADSHEET_CRLF: Omit<Dialect, 'words' | 'categoryWeights'> = {
  eol: '\r\n',
  finalEol: true,
  trueText: 'TRUE',
  falseText: 'FALSE',
  quoting: 'spreadsheet',
  descriptionBreak: '\r\n',
  mangledIds: false,
};

/** 29 is an orphan in CA and IN (only the US file defines it); 43 "Shows" is used there too. */
const WITH_29: readonly (readonly [number, number])[] = [...COMMON_CATEGORY_WEIGHTS, [29, 1]];
const WITH_29_AND_43: readonly (readonly [number, number])[] = [...WITH_29, [43, 1]];

function dialectFor(region: string): Dialect {
  switch (region) {
    case 'US':
      return {
        ...SCRAPER_LF,
        eol: '\r\n',
        descriptionBreak: '\r\\n',
        words: ENGLISH,
        categoryWeights: WITH_29,
      };
    case 'GB':
      return { ...SCRAPER_LF, finalEol: false, words: ENGLISH, categoryWeights: COMMON_CATEGORY_WEIGHTS };
    case 'CA':
      return { ...SCRAPER_LF, finalEol: false, words: mix(ENGLISH, FRENCH), categoryWeights: WITH_29_AND_43 };
    case 'IN':
      return {
        ...SPREADSHEET_CRLF,
        mangledIds: true,
        words: mix(ENGLISH, HINDI),
        categoryWeights: WITH_29_AND_43,
      };
    case 'DE':
      return { ...SCRAPER_LF, words: mix(ENGLISH, GERMAN), categoryWeights: COMMON_CATEGORY_WEIGHTS };
    case 'FR':
      return { ...SCRAPER_LF, words: mix(ENGLISH, FRENCH), categoryWeights: COMMON_CATEGORY_WEIGHTS };
    case 'MX':
      return { ...SPREADSHEET_CRLF, words: mix(ENGLISH, SPANISH), categoryWeights: COMMON_CATEGORY_WEIGHTS };
    default:
      return { ...SCRAPER_LF, words: ENGLISH, categoryWeights: COMMON_CATEGORY_WEIGHTS };
  }
}

function needsQuotes(s: string): boolean {
  return s.includes(',') || s.includes('"') || s.includes('\n') || s.includes('\r');
}

function quoted(s: string): string {
  return `"${s.includes('"') ? s.replaceAll('"', '""') : s}"`;
}

function minimallyQuoted(s: string): string {
  return needsQuotes(s) ? quoted(s) : s;
}

/** The tags field as written: the scraper's `"a"|"b"`, or the spreadsheet's RFC 4180 form of `a|"b"`. */
function tagsField(tags: readonly string[], quoting: Dialect['quoting']): string {
  if (tags.length === 0) return '[none]';
  if (quoting === 'scraper') return tags.map((t) => `"${t}"`).join('|');
  const [first, ...rest] = tags;
  return minimallyQuoted([first, ...rest.map((t) => `"${t}"`)].join('|'));
}

// ---------------------------------------------------------------------------------------------------
// Videos and their trending runs

const DAY_MS = 86_400_000;
/** The real dataset's first trending date, 17.14.11. */
const FIRST_TRENDING_DAY_MS = Date.UTC(2017, 10, 14);

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function trendingDate(day: number): string {
  const d = new Date(FIRST_TRENDING_DAY_MS + day * DAY_MS);
  return `${pad2(d.getUTCFullYear() % 100)}.${pad2(d.getUTCDate())}.${pad2(d.getUTCMonth() + 1)}`;
}

interface Video {
  id: string;
  /** Fields 3-7 with the commas around them, fixed for the video's whole run. */
  middle: string;
  /** Fields 12-16 with the leading comma, fixed for the video's whole run. */
  tail: string;
  /** `middle` and `tail` UTF-8 encoded, on first use by the buffer writer. */
  middleBytes?: Buffer;
  tailBytes?: Buffer;
  daysLeft: number;
  views: number;
  growth: number;
  likeRate: number;
  dislikeRate: number;
  commentRate: number;
  ratingsDisabled: boolean;
  commentsDisabled: boolean;
}

/** Every n-th new video gets a feature that must show up even in a small sample. */
const FORCED_EVERY = 20;
const FORCED_DASH_ID = 3;
const FORCED_REAL_BREAK = 9;
const FORCED_RARE_CATEGORY = 14;

function title(rng: Rng, words: Words): string {
  const subject = pick(rng, words.subjects);
  const format = pick(rng, words.formats);
  switch (randomInt(rng, 0, 4)) {
    case 0:
      return `${subject} ${format}`;
    case 1:
      return `${subject} | ${format} | Episode ${randomInt(rng, 1, 60)}`;
    case 2:
      return `We Tried ${subject}, and It Went Wrong`;
    case 3:
      return `${format}: ${subject} (${randomInt(rng, 2016, 2018)})`;
    default:
      return `${subject.toUpperCase()} - ${format}`;
  }
}

function tagList(rng: Rng, words: Words): string[] {
  if (rng() < 0.08) return [];
  return distinct(rng, words.tags, randomInt(rng, 1, 10));
}

/** Up to n different items, in random order. */
function distinct(rng: Rng, items: readonly string[], n: number): string[] {
  const chosen = new Set<string>();
  for (let tries = 0; chosen.size < n && tries < 4 * n; tries++) chosen.add(pick(rng, items));
  return [...chosen];
}

function descriptionText(rng: Rng, words: Words, realBreak: string | undefined): string {
  if (realBreak === undefined && rng() < 0.03) return '';
  const parts = distinct(rng, words.sentences, randomInt(rng, 2, 12));
  // The scraper wrote most line breaks as the two characters `\n`.
  return parts.join(realBreak ?? (rng() < 0.3 ? '\\n\\n' : '\\n'));
}

function weightedCategory(rng: Rng, weights: readonly (readonly [number, number])[]): number {
  let total = 0;
  for (const [, w] of weights) total += w;
  let r = rng() * total;
  for (const [id, w] of weights) {
    r -= w;
    if (r < 0) return id;
  }
  return weights[0]![0];
}

function newVideo(
  rng: Rng,
  dialect: Dialect,
  ordinal: number,
  firstDay: number,
  dropThumbnail: boolean,
): Video {
  const slot = ordinal % FORCED_EVERY;
  const id = slot === FORCED_DASH_ID ? `-${token(rng, 10)}` : token(rng, 11);
  const rare = dialect.categoryWeights.find(([c]) => c === 29 || c === 43);
  const category =
    slot === FORCED_RARE_CATEGORY && rare ? rare[0] : weightedCategory(rng, dialect.categoryWeights);
  const words = dialect.words;
  const t = title(rng, words);
  const channel = pick(rng, words.channels);
  const published = new Date(
    FIRST_TRENDING_DAY_MS + firstDay * DAY_MS - 1000 * randomInt(rng, 1, 4 * 86_400),
  );
  const tags = tagList(rng, words);
  const description = descriptionText(
    rng,
    words,
    slot === FORCED_REAL_BREAK ? dialect.descriptionBreak : undefined,
  );
  const commentsDisabled = rng() < 0.02;
  const ratingsDisabled = rng() < 0.01;
  const removed = rng() < 0.003;
  const bool = (b: boolean) => (b ? dialect.trueText : dialect.falseText);
  const q = dialect.quoting === 'scraper' ? quoted : minimallyQuoted;
  const thumbnail = dropThumbnail ? '' : `,https://i.ytimg.com/vi/${id}/default.jpg`;
  return {
    id,
    middle: `,${q(t)},${q(channel)},${category},${published.toISOString()},${tagsField(tags, dialect.quoting)},`,
    tail: `${thumbnail},${bool(commentsDisabled)},${bool(ratingsDisabled)},${bool(removed)},${q(description)}`,
    daysLeft: 1 + Math.floor(rng() * rng() * 14),
    views: Math.round(10 ** (3 + rng() * 4)),
    growth: 0.1 + rng() * 0.8,
    likeRate: 0.005 + rng() * 0.05,
    dislikeRate: rng() * 0.004,
    commentRate: rng() * 0.008,
    ratingsDisabled,
    commentsDisabled,
  };
}

interface Counts {
  views: number;
  likes: number;
  dislikes: number;
  comments: number;
}

const MIN_DAILY_GROWTH = 0.01;
/** A duplicate is an earlier or a later scrape of the same day, within that day's growth. */
const DUPLICATE_FACTORS = [0.97, 1.002] as const;

function countsAt(v: Video, views: number): Counts {
  return {
    views,
    likes: v.ratingsDisabled ? 0 : Math.round(views * v.likeRate),
    dislikes: v.ratingsDisabled ? 0 : Math.round(views * v.dislikeRate),
    comments: v.commentsDisabled ? 0 : Math.round(views * v.commentRate),
  };
}

function countFields(c: Counts): string {
  return `${c.views},${c.likes},${c.dislikes},${c.comments}`;
}

/** Views grow fast at first, then level off (but keep growing), as trending videos do. */
function advanceDay(v: Video): void {
  v.views = Math.round(v.views * (1 + v.growth));
  v.growth = Math.max(MIN_DAILY_GROWTH, v.growth * 0.7);
  v.daysLeft--;
}

// ---------------------------------------------------------------------------------------------------
// Quirky records, spread evenly

/** Places floor(n * rate + phase) events evenly over n records without knowing n in advance. */
class Quota {
  private taken = 0;

  constructor(
    private readonly rate: number,
    private readonly phase: number,
  ) {}

  due(index: number): boolean {
    return this.taken < Math.floor((index + 1) * this.rate + this.phase);
  }

  take(): void {
    this.taken++;
  }
}

export type StatisticsQuality = 'passing' | 'failing';

type QuotaSpec = readonly [rate: number, phase: number];

interface QuirkPlan {
  mangledId: QuotaSpec;
  badDate: QuotaSpec;
  badCount: QuotaSpec;
  duplicate: QuotaSpec;
}

/**
 * passing: at most rate * (1 + phase / (1 - phase)) of each kind for any row count, which keeps the
 * quarantined share under 4.2% (threshold 5%) and #NAME? ids at or under 2%.
 * failing: a bad date in the first record and ~11% bad records overall, over 5% for any row count.
 */
const QUIRK_PLANS: Record<StatisticsQuality, QuirkPlan> = {
  passing: {
    mangledId: [0.015, 0.2],
    badDate: [0.008, 0.25],
    badCount: [0.008, 0.1],
    duplicate: [0.01, 0.5],
  },
  failing: { mangledId: [0, 0], badDate: [0.06, 0.95], badCount: [0.05, 0.5], duplicate: [0.01, 0.5] },
};

const MANGLED_ID = '#NAME?';

function badTrendingDate(day: number, k: number): string {
  const d = new Date(FIRST_TRENDING_DAY_MS + day * DAY_MS);
  const iso = d.toISOString().slice(0, 10);
  switch (k % 3) {
    case 0:
      return iso; // re-exported as ISO
    case 1:
      return `${iso.slice(2, 4)}.00.${iso.slice(5, 7)}`; // day zero: right shape, no such date
    default:
      return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
  }
}

function badCountFields(c: Counts, k: number): string {
  switch (k % 4) {
    case 0:
      return `,${c.likes},${c.dislikes},${c.comments}`; // views missing
    case 1:
      return `${c.views},-${c.likes + 1},${c.dislikes},${c.comments}`;
    case 2:
      return `${c.views},${c.likes},${c.dislikes},"1,${String(c.comments % 1000).padStart(3, '0')}"`;
    default:
      return `${Math.max(1, Math.round(c.views / 1000))}K,${c.likes},${c.dislikes},${c.comments}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Statistics files

export interface StatisticsOptions {
  /** Two upper-case letters; picks the real region file's dialect (others: scraper quoting, LF). */
  region: string;
  /** Records after the header, quirky ones included. */
  rows: number;
  seed?: number;
  /** passing: well under the 5% quarantine threshold; failing: over it. Default passing. */
  quality?: StatisticsQuality;
  /** Drop the thumbnail_link column (15 columns), as a drifted real MX copy does. */
  schemaDrift?: boolean;
}

/** Rows per trending day: at least 10 days even for tiny files, at most a year for huge ones. */
function rowsPerDay(rows: number): number {
  const days = Math.min(365, Math.max(10, Math.ceil(rows / 200)));
  return Math.max(1, Math.ceil(rows / days));
}

function checkRegion(region: string): void {
  if (!/^[A-Z]{2}$/.test(region)) throw new RangeError(`region must be two upper-case letters: ${region}`);
}

function checkCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer: ${n}`);
}

/**
 * One record in parts; only `lead` and `counts` change between a video's records, so the long
 * title/tags/description parts are built (and UTF-8 encoded) once per video.
 */
interface RecordParts {
  /** `video_id,trending_date` (ASCII). */
  lead: string;
  video: Video;
  /** The four count fields (ASCII). */
  counts: string;
  /** The line break, or '' after the last record of a file written without a final one. */
  end: string;
}

function headerLine(options: StatisticsOptions): string {
  const dialect = dialectFor(options.region);
  const columns = options.schemaDrift
    ? STATISTICS_HEADER.filter((c) => c !== 'thumbnail_link')
    : STATISTICS_HEADER;
  return columns.join(',') + (options.rows > 0 || dialect.finalEol ? dialect.eol : '');
}

/**
 * The records of a statistics file, day by day: each day's videos are yesterday's still-trending ones
 * plus new ones, shuffled. Memory stays at one day's videos. Yields one reused object per record.
 */
function* statisticsRecords(options: StatisticsOptions): Generator<RecordParts, void, undefined> {
  const { region, rows, seed = DEFAULT_SEED, quality = 'passing', schemaDrift = false } = options;
  const dialect = dialectFor(region);
  const rng = mulberry32(seedFor(seed, schemaDrift ? `${region}videos_schema_drift` : `${region}videos`));
  const plan = QUIRK_PLANS[quality];
  const quotas = {
    mangledId: new Quota(...plan.mangledId),
    badDate: new Quota(...plan.badDate),
    badCount: new Quota(...plan.badCount),
    duplicate: new Quota(...plan.duplicate),
  };
  const end = (index: number) => (index === rows - 1 && !dialect.finalEol ? '' : dialect.eol);
  const perDay = rowsPerDay(rows);
  let index = 0;
  let ordinal = 0;
  let duplicates = 0;
  let badDates = 0;
  let badCounts = 0;
  let active: Video[] = [];
  for (let day = 0; index < rows; day++) {
    const date = trendingDate(day);
    const today = active.filter((v) => v.daysLeft > 0);
    while (today.length < perDay) today.push(newVideo(rng, dialect, ordinal++, day, schemaDrift));
    shuffle(rng, today);
    for (const v of today) {
      if (index >= rows) break;
      const counts = countsAt(v, v.views);
      const parts: RecordParts = {
        lead: `${v.id},${date}`,
        video: v,
        counts: countFields(counts),
        end: end(index),
      };
      let normal = false;
      if (dialect.mangledIds && v.id.startsWith('-') && quotas.mangledId.due(index)) {
        quotas.mangledId.take();
        parts.lead = `${MANGLED_ID},${date}`;
      } else if (quotas.badDate.due(index)) {
        quotas.badDate.take();
        parts.lead = `${v.id},${badTrendingDate(day, badDates++)}`;
      } else if (quotas.badCount.due(index)) {
        quotas.badCount.take();
        parts.counts = badCountFields(counts, badCounts++);
      } else {
        normal = true;
      }
      yield parts;
      index++;
      // A second scrape of the same day: same key, other counts (sometimes higher, sometimes lower).
      if (normal && index < rows && quotas.duplicate.due(index)) {
        quotas.duplicate.take();
        const factor = DUPLICATE_FACTORS[duplicates++ % 2]!;
        parts.counts = countFields(countsAt(v, Math.max(0, Math.round(v.views * factor))));
        parts.end = end(index);
        yield parts;
        index++;
      }
      advanceDay(v);
    }
    active = today;
  }
}

function checkStatisticsOptions(options: StatisticsOptions): void {
  checkRegion(options.region);
  checkCount('rows', options.rows);
}

/**
 * A statistics CSV as text pieces: the header line, then one piece per record with its line break
 * (none after the last record where the real file has none). Streams: memory stays at one day's videos.
 */
export function* generateStatisticsRows(options: StatisticsOptions): Generator<string, void, undefined> {
  checkStatisticsOptions(options);
  yield headerLine(options);
  for (const r of statisticsRecords(options)) yield r.lead + r.video.middle + r.counts + r.video.tail + r.end;
}

/**
 * The same bytes as `generateStatisticsRows`, in ~1 MiB buffers. Copying each video's pre-encoded
 * parts avoids re-encoding the long descriptions on every record: about 3x faster than strings.
 */
export function* generateStatisticsChunks(
  options: StatisticsOptions,
  chunkBytes = 1 << 20,
): Generator<Buffer, void, undefined> {
  checkStatisticsOptions(options);
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let used = chunk.write(headerLine(options), 0, 'latin1');
  for (const { lead, video, counts, end } of statisticsRecords(options)) {
    video.middleBytes ??= Buffer.from(video.middle, 'utf8');
    video.tailBytes ??= Buffer.from(video.tail, 'utf8');
    const size = lead.length + video.middleBytes.length + counts.length + video.tailBytes.length + end.length;
    if (used + size > chunk.length) {
      yield chunk.subarray(0, used);
      chunk = Buffer.allocUnsafe(Math.max(chunkBytes, size));
      used = 0;
    }
    // lead, counts and end are ASCII, so latin1 writes them byte for byte.
    used += chunk.write(lead, used, 'latin1');
    used += video.middleBytes.copy(chunk, used);
    used += chunk.write(counts, used, 'latin1');
    used += video.tailBytes.copy(chunk, used);
    used += chunk.write(end, used, 'latin1');
  }
  if (used > 0) yield chunk.subarray(0, used);
}

function statisticsFile(name: string, options: StatisticsOptions): SampleFile {
  return { name, content: Buffer.concat(Array.from(generateStatisticsChunks(options))) };
}

/** Streams a Kaggle-shaped statistics CSV of `rows` records (passing quality) to `path`. */
export async function writeLargeStatisticsFile(
  path: string,
  rows: number,
  region: string,
  seed = DEFAULT_SEED,
): Promise<void> {
  const chunks = generateStatisticsChunks({ region, rows, seed });
  await mkdir(dirname(path), { recursive: true });
  await pipeline(Readable.from(chunks), createWriteStream(path));
}

// ---------------------------------------------------------------------------------------------------
// The sample

/** The region whose statistics file breaks the 5% quarantine threshold. */
const FAILING_REGION = 'FR';
const SCHEMA_DRIFT_REGION = 'MX';

function notesText(seed: number, rowsPerRegion: number): string {
  return [
    'lakestep sample data (generated, deterministic; invented content shaped like the Kaggle',
    '"Trending YouTube Video Statistics" files).',
    `seed ${seed}, ${rowsPerRegion} records per statistics file.`,
    'This file maps to no dataset: the pipeline must reject it as unknown_dataset.',
    '',
  ].join('\n');
}

function textFile(name: string, text: string): SampleFile {
  return { name, content: Buffer.from(text, 'utf8') };
}

/** The default data set: per region a statistics CSV and a category JSON, plus objects that must fail. */
export function generateSample(options: SampleOptions = {}): SampleFile[] {
  const {
    seed = DEFAULT_SEED,
    rowsPerRegion = DEFAULT_ROWS_PER_REGION,
    regions = DEFAULT_REGIONS,
    includeBadObjects = true,
  } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer: ${seed}`);
  checkCount('rowsPerRegion', rowsPerRegion);
  const files: SampleFile[] = [];
  for (const region of regions) {
    checkRegion(region);
    files.push(statisticsFile(`${region}videos.csv`, { region, rows: rowsPerRegion, seed }));
    files.push(textFile(`${region}_category_id.json`, categoryFileJson(region, seed)));
  }
  if (includeBadObjects) {
    const region = FAILING_REGION;
    files.push(
      statisticsFile(`${region}videos.csv`, { region, rows: rowsPerRegion, seed, quality: 'failing' }),
    );
    files.push(textFile(`${region}_category_id.json`, categoryFileJson(region, seed)));
    files.push(
      statisticsFile(`${SCHEMA_DRIFT_REGION}videos_schema_drift.csv`, {
        region: SCHEMA_DRIFT_REGION,
        rows: SCHEMA_DRIFT_ROWS,
        seed,
        schemaDrift: true,
      }),
    );
    files.push(textFile('notes.txt', notesText(seed, rowsPerRegion)));
  }
  const names = new Set(files.map((f) => f.name));
  if (names.size !== files.length) {
    throw new RangeError(`regions collide with the bad objects (${FAILING_REGION} is reserved for them)`);
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Writes the sample into `dir` (created if missing); returns the written paths, sorted by name. */
export async function writeSample(dir: string, options?: SampleOptions): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const file of generateSample(options)) {
    const path = join(dir, file.name);
    await writeFile(path, file.content);
    paths.push(path);
  }
  return paths;
}
