/**
 * The options of `instrument`, checked once with the server's one error form.
 * @module
 */
import {
  booleanOption,
  child,
  isObject,
  oneOf,
  optional,
  optionError,
  type OptionSite,
  type OptionTableOf,
  resolveTable,
} from "../_internal/option_checks.ts";
import { hostname, nodeEnv, pid } from "./runtime_info.ts";
import { type AdminSessionStore, inMemorySessionStore } from "./session_store.ts";

/** Basic authentication: one user name and the bcrypt hash of its password. */
export interface BasicAuthentication {
  /** The only method the Admin UI knows. */
  readonly type: "basic";
  /** The user name the UI must send. */
  readonly username: string;
  /**
   * The bcrypt hash of the password (`$2a$`, `$2b$` or `$2y$`), never the password itself,
   * e.g. from `npx bcryptjs changeit` or `bcrypt.hashSync("changeit", 10)`.
   */
  readonly password: string;
}

/** What the Admin UI may see and do: development shows every event, production only counts. */
export type AdminMode = "development" | "production";

/** Options of `instrument`. */
export interface AdminOptions {
  /**
   * Required: basic authentication `{ type: "basic", username, password: <bcrypt hash> }`,
   * or `false` to let anyone who reaches the admin namespace in (only behind other protection).
   */
  auth: false | BasicAuthentication;
  /** The admin namespace the UI connects to. Default "/admin". */
  namespaceName?: string;
  /** Refuse the UI's actions (join, leave, disconnect, emit): it can only look. Default false. */
  readonly?: boolean;
  /**
   * "development" sends every socket, room change and event to the UI; "production" sends only
   * each server's counts every 2 s. Default: `NODE_ENV` when it is one of them, else
   * "development" (as the reference).
   */
  mode?: AdminMode;
  /** This server's name in the UI's server list. Default `<hostname>#<pid>`. */
  serverId?: string;
  /** Where sessions opened with the password are remembered. Default: in memory. */
  store?: AdminSessionStore;
}

/** The options with defaults applied. */
export interface ResolvedAdminOptions {
  readonly auth: false | BasicAuthentication;
  readonly namespaceName: string;
  readonly readonly: boolean;
  readonly mode: AdminMode;
  readonly serverId: string;
  readonly store: AdminSessionStore;
}

const MODES: readonly AdminMode[] = ["development", "production"];
const BCRYPT_HASH = /^\$2[aby]?\$\d{2}\$[./A-Za-z0-9]{53}$/;

function auth(value: unknown, site: OptionSite): false | BasicAuthentication {
  if (value === false) return false;
  const example = '{ type: "basic", username: "admin", password: "$2b$10$..." }';
  if (value === undefined) {
    throw new TypeError(
      `${site.caller}: auth is required: ${example} (a bcrypt hash of the password), or false ` +
        "to turn authentication off",
    );
  }
  if (!isObject(value) || value.type !== "basic") {
    throw optionError(site, 'false or { type: "basic", username, password }', value, example);
  }
  if (typeof value.username !== "string" || value.username === "") {
    throw optionError(child(site, "username"), "a non-empty string", value.username, '"admin"');
  }
  if (typeof value.password !== "string" || !BCRYPT_HASH.test(value.password)) {
    throw optionError(
      child(site, "password"),
      "a bcrypt hash (not the password itself; make one with bcrypt.hashSync(password, 10))",
      typeof value.password === "string" ? "a string that is not a bcrypt hash" : value.password,
      '"$2b$10$..."',
    );
  }
  return { type: "basic", username: value.username, password: value.password };
}

function namespaceName(value: unknown, site: OptionSite): string {
  if (typeof value === "string" && value.startsWith("/") && value.length > 1) return value;
  throw optionError(site, 'a namespace name starting with "/" (not "/" itself)', value, '"/admin"');
}

function store(value: unknown, site: OptionSite): AdminSessionStore {
  if (
    isObject(value) && typeof value.doesSessionExist === "function" &&
    typeof value.saveSession === "function"
  ) {
    return value as unknown as AdminSessionStore;
  }
  throw optionError(
    site,
    "an object with doesSessionExist(id) and saveSession(id)",
    value,
    "inMemorySessionStore()",
  );
}

function serverId(value: unknown, site: OptionSite): string {
  if (typeof value === "string" && value !== "") return value;
  throw optionError(site, "a non-empty string", value, '"eu-west-1a"');
}

function defaultMode(): AdminMode {
  const fromEnv = nodeEnv();
  return fromEnv === "production" ? "production" : "development";
}

const TABLE = {
  auth,
  namespaceName: optional("/admin", namespaceName),
  readonly: optional(false, (v, site) => booleanOption(site, v, "true")),
  mode: optional<AdminMode | undefined>(undefined, (v, site) => oneOf(site, v, MODES)),
  serverId: optional<string | undefined>(undefined, serverId),
  store: optional<AdminSessionStore | undefined>(undefined, store),
} satisfies OptionTableOf<AdminOptions>;

/** Checks `instrument`'s options and applies the defaults; throws a TypeError naming the fix. */
export function resolveAdminOptions(options: unknown): ResolvedAdminOptions {
  const site = { caller: "instrument", name: "" };
  const given = resolveTable(site, TABLE, options, "{ auth: false }");
  return {
    auth: given.auth,
    namespaceName: given.namespaceName,
    readonly: given.readonly,
    mode: given.mode ?? defaultMode(),
    serverId: given.serverId ?? `${hostname()}#${pid()}`,
    store: given.store ?? inMemorySessionStore(),
  };
}
