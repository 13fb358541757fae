//! The organisation every generator draws from: apps (a table of `apps` entries, made once), users (derived
//! from the seed and their index whenever needed, so memory does not grow with the user count), and the event
//! clock. Only the app table and a few hundred user-agent strings are kept, whatever the options.

use crate::out::Out;
use crate::rng::{Rng, mix, reduce};

/// First names: (as written, ASCII for logins).
pub(crate) const FIRST: &[(&str, &str)] = &[
    ("James", "James"),
    ("Mary", "Mary"),
    ("Robert", "Robert"),
    ("Patricia", "Patricia"),
    ("John", "John"),
    ("Jennifer", "Jennifer"),
    ("Michael", "Michael"),
    ("Linda", "Linda"),
    ("David", "David"),
    ("Elizabeth", "Elizabeth"),
    ("William", "William"),
    ("Barbara", "Barbara"),
    ("Richard", "Richard"),
    ("Susan", "Susan"),
    ("Joseph", "Joseph"),
    ("Jessica", "Jessica"),
    ("Thomas", "Thomas"),
    ("Sarah", "Sarah"),
    ("Charles", "Charles"),
    ("Karen", "Karen"),
    ("Wei", "Wei"),
    ("Priya", "Priya"),
    ("Sofía", "Sofia"),
    ("José", "Jose"),
    ("Zoë", "Zoe"),
    ("Björn", "Bjorn"),
    ("Chloé", "Chloe"),
    ("Mateo", "Mateo"),
    ("Aiko", "Aiko"),
    ("Olumide", "Olumide"),
    ("Fatima", "Fatima"),
    ("Lukas", "Lukas"),
    ("Ana", "Ana"),
    ("Noah", "Noah"),
    ("Emma", "Emma"),
    ("Liam", "Liam"),
    ("Olivia", "Olivia"),
    ("Hiroshi", "Hiroshi"),
    ("Dmitri", "Dmitri"),
    ("Ingrid", "Ingrid"),
    ("François", "Francois"),
    ("Siobhán", "Siobhan"),
];

/// Last names: (as written, ASCII for logins).
pub(crate) const LAST: &[(&str, &str)] = &[
    ("Smith", "Smith"),
    ("Johnson", "Johnson"),
    ("Williams", "Williams"),
    ("Brown", "Brown"),
    ("Jones", "Jones"),
    ("Garcia", "Garcia"),
    ("Miller", "Miller"),
    ("Davis", "Davis"),
    ("Rodriguez", "Rodriguez"),
    ("Martinez", "Martinez"),
    ("Hernandez", "Hernandez"),
    ("Lopez", "Lopez"),
    ("Gonzalez", "Gonzalez"),
    ("Wilson", "Wilson"),
    ("Anderson", "Anderson"),
    ("Thomas", "Thomas"),
    ("Taylor", "Taylor"),
    ("Moore", "Moore"),
    ("Jackson", "Jackson"),
    ("Martin", "Martin"),
    ("Lee", "Lee"),
    ("Perez", "Perez"),
    ("Thompson", "Thompson"),
    ("White", "White"),
    ("Müller", "Mueller"),
    ("Schmidt", "Schmidt"),
    ("Nguyen", "Nguyen"),
    ("Kim", "Kim"),
    ("Patel", "Patel"),
    ("O'Brien", "OBrien"),
    ("Nakamura", "Nakamura"),
    ("Kowalski", "Kowalski"),
    ("Fernández", "Fernandez"),
    ("Rossi", "Rossi"),
    ("Dubois", "Dubois"),
    ("Ivanova", "Ivanova"),
    ("Okafor", "Okafor"),
    ("Johansson", "Johansson"),
];

/// Email domains of the organisation.
pub(crate) const DOMAINS: &[&str] = &[
    "example.com",
    "corp.example.com",
    "example.co.uk",
    "contractors.example.com",
];

/// SaaS apps seen in real tenants; further apps are made up from [`APP_PREFIX`] and [`APP_SUFFIX`].
const REAL_APPS: &[&str] = &[
    "Salesforce.com",
    "Slack",
    "Zoom",
    "Workday",
    "ServiceNow",
    "Atlassian Cloud",
    "Jira Software",
    "Confluence",
    "GitHub Enterprise Cloud",
    "GitLab",
    "Box",
    "Dropbox Business",
    "DocuSign",
    "Microsoft Office 365",
    "Google Workspace",
    "AWS IAM Identity Center",
    "Amazon Web Services",
    "Microsoft Azure",
    "Google Cloud Platform",
    "Tableau Cloud",
    "Looker",
    "Snowflake",
    "Datadog",
    "PagerDuty",
    "Splunk Cloud",
    "New Relic",
    "Sentry",
    "Zendesk",
    "Freshdesk",
    "HubSpot",
    "Marketo",
    "Adobe Creative Cloud",
    "Adobe Sign",
    "Figma",
    "Miro",
    "Lucidchart",
    "Notion",
    "Asana",
    "monday.com",
    "Smartsheet",
    "Trello",
    "Airtable",
    "Coupa",
    "Concur",
    "Expensify",
    "NetSuite",
    "Workday Adaptive Planning",
    "BambooHR",
    "Greenhouse",
    "Lever",
    "LinkedIn Learning",
    "Udemy Business",
    "Coursera",
    "Gong",
    "Outreach",
    "ZoomInfo",
    "Highspot",
    "Seismic",
    "Intercom",
    "Segment",
    "Amplitude",
    "Mixpanel",
    "LaunchDarkly",
    "1Password",
    "LastPass",
    "CrowdStrike Falcon",
    "Zscaler Internet Access",
    "Palo Alto Prisma",
    "Cloudflare Access",
    "Jamf Pro",
    "Kandji",
    "Webex",
    "RingCentral",
    "Dialpad",
    "Calendly",
    "Loom",
    "Canva",
    "Grammarly Business",
    "Egnyte",
    "SharePoint Online",
    "Power BI",
    "Dynamics 365",
    "Oracle Cloud HCM",
    "SAP SuccessFactors",
    "SAP Concur",
    "Ariba",
    "Ironclad",
    "Carta",
    "Gusto",
    "Rippling",
    "Lattice",
    "Culture Amp",
    "Postman",
    "CircleCI",
    "Terraform Cloud",
    "Vercel",
    "Netlify",
    "Heroku",
    "Fastly",
    "KnowBe4",
    "Vanta",
    "Drata",
    "Qualys",
    "Tenable.io",
    "Wiz",
    "Lacework",
    "Snyk",
];
const APP_PREFIX: &[&str] = &[
    "Internal", "Legacy", "Acme", "Regional", "EU", "APAC", "Finance", "HR", "Eng", "Sales", "Partner",
    "Vendor",
];
const APP_SUFFIX: &[&str] = &[
    "Portal",
    "Tracker",
    "Reporting",
    "Billing",
    "CRM",
    "Analytics",
    "Wiki",
    "Ops",
    "Dashboard",
    "Data Lake",
    "Ticketing",
    "Payroll",
    "Sandbox",
    "Staging",
];

/// Okta sign-on modes: (`signOnModeType`, `debugData.signOnMode`).
pub(crate) const SIGNON: &[(&str, &str)] = &[
    ("SAML_2_0", "SAML 2.0"),
    ("OPENID_CONNECT", "OpenID Connect"),
    ("AUTO_LOGIN", "Secure Web Authentication"),
    ("WS_FEDERATION", "WS-Federation"),
];

/// User agents: (template with `{v}` and `{m}`, Okta os, Okta browser, Entra operatingSystem, Entra browser
/// with `{v}` and `{m}`).
const UAS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
        "Windows 10",
        "CHROME",
        "Windows10",
        "Chrome {v}.0.0",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
        "Mac OS X",
        "CHROME",
        "MacOs",
        "Chrome {v}.0.0",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{m} Safari/605.1.15",
        "Mac OS X",
        "SAFARI",
        "MacOs",
        "Safari 17.{m}",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
        "Windows 10",
        "FIREFOX",
        "Windows10",
        "Firefox {v}.0",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36 Edg/{v}.0.2210.{m}",
        "Windows 10",
        "EDGE_CHROMIUM",
        "Windows10",
        "Edge {v}.0.2210",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_{m} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{m} Mobile/15E148 Safari/604.1",
        "iOS",
        "SAFARI",
        "Ios",
        "Mobile Safari 17.{m}",
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Mobile Safari/537.36",
        "Android",
        "CHROME",
        "Android",
        "Chrome Mobile {v}.0.0",
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36",
        "Linux",
        "CHROME",
        "Linux",
        "Chrome {v}.0.0",
    ),
    (
        "Okta Verify/9.{m}.0 (iOS 17.{m})",
        "iOS",
        "UNKNOWN",
        "Ios",
        "Rich Client 9.{m}.0",
    ),
];

/// Places: city, state, country, postal code, latitude, longitude, ISO country code, ISO subdivision.
pub(crate) struct Geo {
    pub(crate) city: &'static str,
    pub(crate) state: &'static str,
    pub(crate) country: &'static str,
    pub(crate) postal: &'static str,
    pub(crate) lat: &'static str,
    pub(crate) lon: &'static str,
    pub(crate) cc: &'static str,
    pub(crate) region: &'static str,
}

macro_rules! geo {
    ($city:expr, $state:expr, $country:expr, $postal:expr, $lat:expr, $lon:expr, $cc:expr, $region:expr) => {
        Geo {
            city: $city,
            state: $state,
            country: $country,
            postal: $postal,
            lat: $lat,
            lon: $lon,
            cc: $cc,
            region: $region,
        }
    };
}

pub(crate) const GEOS: &[Geo] = &[
    geo!(
        "San Francisco",
        "California",
        "United States",
        "94105",
        "37.7852",
        "-122.3874",
        "US",
        "US-CA"
    ),
    geo!(
        "New York",
        "New York",
        "United States",
        "10001",
        "40.7506",
        "-73.9972",
        "US",
        "US-NY"
    ),
    geo!(
        "Austin",
        "Texas",
        "United States",
        "78701",
        "30.2713",
        "-97.7426",
        "US",
        "US-TX"
    ),
    geo!(
        "Seattle",
        "Washington",
        "United States",
        "98101",
        "47.6101",
        "-122.3366",
        "US",
        "US-WA"
    ),
    geo!(
        "Chicago",
        "Illinois",
        "United States",
        "60601",
        "41.8858",
        "-87.6181",
        "US",
        "US-IL"
    ),
    geo!(
        "Boston",
        "Massachusetts",
        "United States",
        "02110",
        "42.357",
        "-71.051",
        "US",
        "US-MA"
    ),
    geo!(
        "London",
        "England",
        "United Kingdom",
        "EC2V",
        "51.5164",
        "-0.093",
        "GB",
        "GB-ENG"
    ),
    geo!(
        "Dublin", "Leinster", "Ireland", "D02", "53.3382", "-6.2591", "IE", "IE-D"
    ),
    geo!(
        "Berlin",
        "Land Berlin",
        "Germany",
        "10115",
        "52.5323",
        "13.3846",
        "DE",
        "DE-BE"
    ),
    geo!(
        "Paris",
        "Île-de-France",
        "France",
        "75001",
        "48.8628",
        "2.3292",
        "FR",
        "FR-IDF"
    ),
    geo!(
        "Bengaluru",
        "Karnataka",
        "India",
        "560001",
        "12.9719",
        "77.5937",
        "IN",
        "IN-KA"
    ),
    geo!(
        "Tokyo", "Tokyo", "Japan", "100-0001", "35.6893", "139.6899", "JP", "JP-13"
    ),
    geo!(
        "Sydney",
        "New South Wales",
        "Australia",
        "2000",
        "-33.8678",
        "151.2073",
        "AU",
        "AU-NSW"
    ),
    geo!(
        "São Paulo",
        "São Paulo",
        "Brazil",
        "01000-000",
        "-23.5475",
        "-46.6361",
        "BR",
        "BR-SP"
    ),
    geo!(
        "Toronto", "Ontario", "Canada", "M5H", "43.6532", "-79.3832", "CA", "CA-ON"
    ),
];

/// Networks: AS number, AS organisation, ISP, domain.
pub(crate) const ISPS: &[(u32, &str, &str, &str)] = &[
    (
        7922,
        "comcast cable communications llc",
        "comcast cable communications llc",
        "comcast.net",
    ),
    (7018, "at&t services  inc.", "at&t services inc.", "att.net"),
    (701, "verizon business", "verizon", "verizon.net"),
    (
        16509,
        "amazon.com  inc.",
        "amazon technologies inc.",
        "amazonaws.com",
    ),
    (3320, "deutsche telekom ag", "deutsche telekom ag", "telekom.de"),
    (
        2856,
        "british telecommunications plc",
        "bt public internet service",
        "bt.net",
    ),
];

/// One app of the organisation, with its ids in each source's shape, made once.
pub(crate) struct App {
    /// The name as a JSON string's content (escaped).
    pub(crate) name_json: String,
    /// The name as a CSV field (quoted when it must be).
    pub(crate) name_csv: String,
    /// Okta app instance id (`0oa…`).
    pub(crate) okta_id: String,
    /// Okta app label (`salesforce_com`).
    pub(crate) label: String,
    /// Index into [`SIGNON`].
    pub(crate) signon: usize,
    /// Entra application (client) id.
    pub(crate) guid: String,
    /// Google OAuth client id.
    pub(crate) client_id: String,
}

/// One user agent, expanded.
pub(crate) struct Ua {
    pub(crate) raw: String,
    pub(crate) os: &'static str,
    pub(crate) browser: &'static str,
    pub(crate) entra_os: &'static str,
    pub(crate) entra_browser: String,
    pub(crate) mobile: bool,
}

/// A user, derived from the seed and the user's index (nothing stored).
#[derive(Debug, Clone, Copy)]
pub(crate) struct User {
    pub(crate) index: u64,
    /// The user's own hash: every further attribute is derived from it.
    pub(crate) h: u64,
    pub(crate) first: &'static str,
    pub(crate) first_ascii: &'static str,
    pub(crate) last: &'static str,
    pub(crate) last_ascii: &'static str,
    pub(crate) domain: &'static str,
    pub(crate) ua: usize,
    pub(crate) geo: usize,
    pub(crate) isp: usize,
    pub(crate) ip: [u8; 4],
    /// How many apps the user is assigned.
    pub(crate) apps: u64,
}

/// The organisation: apps, users, places.
pub(crate) struct World {
    seed: u64,
    users: u64,
    pub(crate) apps: Vec<App>,
    /// Cumulative Zipf weights of the apps (app `i` weighs `2^32 / (i + 1)`).
    app_cdf: Vec<u64>,
    pub(crate) uas: Vec<Ua>,
}

impl World {
    pub(crate) fn new(seed: u64, users: u64, apps: u32) -> Self {
        let mut rng = Rng::new(seed, 0xA995);
        let apps = apps.max(1) as usize;
        let mut table = Vec::with_capacity(apps);
        for i in 0..apps {
            let name = match REAL_APPS.get(i) {
                Some(n) => (*n).to_string(),
                None => {
                    let prefix = rng.pick(APP_PREFIX);
                    let suffix = rng.pick(APP_SUFFIX);
                    // A few names need quoting in CSV and escaping in JSON, as real ones do.
                    match i % 23 {
                        0 => format!("{prefix}, Inc. {suffix} {i}"),
                        11 => format!("{prefix} \"{suffix}\" {i}"),
                        _ => format!("{prefix} {suffix} {i}"),
                    }
                }
            };
            let signon = if i % 3 == 0 { 0 } else { rng.index(SIGNON.len()) };
            let label: String = name
                .chars()
                .filter(|c| !matches!(c, '.' | '"' | ','))
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            let mut ids = Out::default();
            ids.s("0oa");
            ids.base62(&mut rng, 17);
            let okta_id = take(&mut ids);
            ids.guid_rand(&mut rng);
            let guid = take(&mut ids);
            ids.pad(rng.below(1_000_000_000_000), 12);
            ids.c(b'-');
            for _ in 0..32 {
                ids.c(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.index(36)]);
            }
            ids.s(".apps.googleusercontent.com");
            let client_id = take(&mut ids);
            table.push(App {
                name_json: json_escape(&name),
                name_csv: csv_field(&name),
                okta_id,
                label,
                signon,
                guid,
                client_id,
            });
        }
        let mut acc = 0u64;
        let app_cdf = (0..apps as u64)
            .map(|i| {
                acc += (1u64 << 32) / (i + 1);
                acc
            })
            .collect();
        let mut uas = Vec::new();
        for &(template, os, browser, entra_os, entra_browser) in UAS {
            for v in 118..=126u32 {
                for m in 0..=6u32 {
                    let fill = |t: &str| t.replace("{v}", &v.to_string()).replace("{m}", &m.to_string());
                    uas.push(Ua {
                        raw: fill(template),
                        os,
                        browser,
                        entra_os,
                        entra_browser: fill(entra_browser),
                        mobile: matches!(os, "iOS" | "Android"),
                    });
                }
            }
        }
        World {
            seed: mix(seed, 0x05E5),
            users: users.max(1),
            apps: table,
            app_cdf,
            uas,
        }
    }

    /// An app drawn by popularity (Zipf) from the hash `h`.
    pub(crate) fn app_of(&self, h: u64) -> usize {
        let total = self.app_cdf.last().copied().unwrap_or(1);
        let r = reduce(h, total);
        self.app_cdf.partition_point(|&c| c <= r).min(self.apps.len() - 1)
    }

    /// The user who acts in the next event: a skewed draw (a few users are much busier than most).
    pub(crate) fn pick_user(&self, rng: &mut Rng) -> User {
        let a = rng.below(self.users);
        let b = rng.below(self.users);
        let index = (u128::from(a) * u128::from(b) / u128::from(self.users)) as u64;
        // Spread the busy users over the index range rather than at its start.
        let index = (index.wrapping_mul(0x9E37_79B9) + self.seed % self.users) % self.users;
        self.user(index)
    }

    /// User `index`, derived afresh.
    pub(crate) fn user(&self, index: u64) -> User {
        let h = mix(self.seed, index);
        let (first, first_ascii) = FIRST[reduce(mix(h, 1), FIRST.len() as u64) as usize];
        let (last, last_ascii) = LAST[reduce(mix(h, 2), LAST.len() as u64) as usize];
        let ip = mix(h, 6);
        // Most people have a handful of apps; a few have dozens.
        let k = mix(h, 7);
        let apps = 3 + reduce(k, 8) + if k & 0xf == 0 { (k >> 8) % 40 } else { 0 };
        User {
            index,
            h,
            first,
            first_ascii,
            last,
            last_ascii,
            domain: DOMAINS[reduce(mix(h, 3), DOMAINS.len() as u64) as usize],
            ua: reduce(mix(h, 4), self.uas.len() as u64) as usize,
            geo: reduce(mix(h, 5), GEOS.len() as u64) as usize,
            isp: reduce(mix(h, 8), ISPS.len() as u64) as usize,
            ip: ipv4(ip),
            apps: apps.min(self.apps.len() as u64).max(1),
        }
    }

    /// One of the user's assigned apps, drawn uniformly among them.
    pub(crate) fn user_app(&self, user: &User, rng: &mut Rng) -> usize {
        let j = rng.below(user.apps);
        self.app_of(mix(user.h, 100 + j))
    }
}

/// The text of `out`, leaving it empty.
fn take(out: &mut Out) -> String {
    String::from_utf8(std::mem::take(&mut out.buf)).unwrap_or_default()
}

/// `text` escaped for the inside of a JSON string.
pub(crate) fn json_escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s
}

/// `text` as a CSV field: quoted (with doubled quotes) when it holds a comma, quote or line break.
pub(crate) fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writers of the user's attributes, shared by the generators.
impl User {
    /// `ann.lee` style login local part in lower case: first initial and last name, then the index.
    pub(crate) fn email(&self, o: &mut Out) {
        o.c(self.first_ascii.as_bytes()[0].to_ascii_lowercase());
        for b in self.last_ascii.bytes() {
            o.c(b.to_ascii_lowercase());
        }
        o.u(self.index);
        o.c(b'@');
        o.s(self.domain);
    }

    /// `First.Last7@domain`, capitalised as Entra UPNs often are.
    pub(crate) fn upn(&self, o: &mut Out) {
        o.s(self.first_ascii);
        o.c(b'.');
        o.s(self.last_ascii);
        o.u(self.index);
        o.c(b'@');
        o.s(self.domain);
    }

    /// `First Last`.
    pub(crate) fn name(&self, o: &mut Out) {
        o.s(self.first);
        o.c(b' ');
        o.s(self.last);
    }
}

/// Writes an IPv4 address.
pub(crate) fn write_ip(o: &mut Out, ip: [u8; 4]) {
    for (i, b) in ip.iter().enumerate() {
        if i > 0 {
            o.c(b'.');
        }
        o.u(u64::from(*b));
    }
}

/// A random public-looking IPv4 address.
pub(crate) fn random_ip(rng: &mut Rng) -> [u8; 4] {
    ipv4(rng.next_u64())
}

/// A public-looking IPv4 address made of the bits of `x`: first octet 24–223, last 1–254.
fn ipv4(x: u64) -> [u8; 4] {
    [
        24 + reduce(x, 200) as u8,
        (x >> 8) as u8,
        (x >> 16) as u8,
        1 + ((x >> 24) % 254) as u8,
    ]
}

/// The times of the events: non-decreasing, spread evenly (uniform gaps) over the window.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    ns: i64,
    /// Twice the mean gap, in nanoseconds.
    gap2: u64,
}

impl Clock {
    pub(crate) fn new(start_ns: i64, span_ns: u64, events: u64) -> Self {
        Clock {
            ns: start_ns,
            gap2: span_ns.saturating_mul(2) / events.max(1),
        }
    }

    /// The time of the next event.
    #[inline]
    pub(crate) fn tick(&mut self, rng: &mut Rng) -> i64 {
        self.ns += rng.below(self.gap2 + 1) as i64;
        self.ns
    }
}
