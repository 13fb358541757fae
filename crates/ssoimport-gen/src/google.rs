//! Google Workspace Reports API activities, one per line: `saml` (Google as the IdP of SaaS apps), `token`
//! (OAuth grants and API calls) and `login` (signing in to Google itself). An activity may hold several events.

use crate::out::Out;
use crate::rng::Rng;
use crate::world::{App, Clock, GEOS, ISPS, User, World, random_ip, write_ip};
use crate::{Fate, GenSummary};

const ORG_UNITS: &[&str] = &["/", "/Engineering", "/Sales", "/Finance", "/People", "/Support"];
/// APIs an app calls for the user: (api_name, method_name, product_bucket).
const APIS: &[(&str, &str, &str)] = &[
    ("gmail", "gmail.users.messages.list", "GMAIL"),
    ("calendar", "calendar.events.list", "CALENDAR"),
    ("drive", "drive.files.list", "DRIVE"),
    ("admin", "directory.users.get", "IDENTITY"),
    ("people", "people.people.get", "IDENTITY"),
];
const SCOPES: &[(&str, &str)] = &[
    ("https://www.googleapis.com/auth/userinfo.email", "IDENTITY"),
    ("https://www.googleapis.com/auth/calendar.readonly", "CALENDAR"),
    ("https://www.googleapis.com/auth/drive.file", "DRIVE"),
    ("https://www.googleapis.com/auth/gmail.readonly", "GMAIL"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Application {
    Saml,
    Token,
    Login,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    SamlSuccess,
    SamlFailure,
    Authorize,
    Revoke,
    Activity,
    LoginSuccess,
    LoginChallenge,
    LoginFailure,
    Logout,
}

impl Event {
    fn fate(self) -> Fate {
        match self {
            Event::SamlSuccess | Event::Authorize | Event::Activity => Fate::Usage,
            _ => Fate::Filtered,
        }
    }
}

pub(crate) struct Google {
    world: World,
    clock: Clock,
    rng: Rng,
    /// The customer's id hash (`C0…`).
    customer: u64,
}

impl Google {
    pub(crate) fn new(world: World, clock: Clock, mut rng: Rng) -> Self {
        let customer = rng.next_u64();
        Google {
            world,
            clock,
            rng,
            customer,
        }
    }

    /// One activity of at most `remaining` events.
    pub(crate) fn record(&mut self, o: &mut Out, remaining: u64, summary: &mut GenSummary) {
        let ns = self.clock.tick(&mut self.rng);
        let u = self.world.pick_user(&mut self.rng);
        let r = &mut self.rng;
        let x = r.below(1000);
        let application = if x < 450 {
            Application::Saml
        } else if x < 800 {
            Application::Token
        } else {
            Application::Login
        };
        let mut events = [Event::Logout; 3];
        let y = r.below(1000);
        let count = match application {
            Application::Saml => {
                events[0] = if y < 960 {
                    Event::SamlSuccess
                } else {
                    Event::SamlFailure
                };
                1
            }
            Application::Token if y < 120 => {
                events[0] = Event::Authorize;
                1
            }
            Application::Token if y < 150 => {
                events[0] = Event::Revoke;
                1
            }
            Application::Token => {
                events = [Event::Activity; 3];
                match r.below(100) {
                    0..75 => 1,
                    75..93 => 2,
                    _ => 3,
                }
            }
            Application::Login if y < 550 => {
                events[0] = Event::LoginSuccess;
                1
            }
            Application::Login if y < 700 => {
                events[0] = Event::LoginChallenge;
                events[1] = Event::LoginSuccess;
                2
            }
            Application::Login if y < 800 => {
                events[0] = Event::LoginFailure;
                1
            }
            Application::Login => {
                events[0] = Event::Logout;
                1
            }
        };
        let count = count.min(remaining.max(1) as usize);
        let app = &self.world.apps[self.world.user_app(&u, r)];
        let ip = if r.per_mille(800) { u.ip } else { random_ip(r) };
        let geo = &GEOS[u.geo];

        o.s(r#"{"kind":"admin#reports#activity","id":{"time":""#);
        o.iso(ns, 3, 0);
        o.s(r#"","uniqueQualifier":""#);
        o.i(r.next_u64() as i64);
        o.s(r#"","applicationName":"#);
        o.q(match application {
            Application::Saml => "saml",
            Application::Token => "token",
            Application::Login => "login",
        });
        o.s(r#","customerId":"C0"#);
        o.base62_of(self.customer, 7);
        o.s(r#""},"etag":"\""#);
        o.base62(r, 27);
        o.c(b'/');
        o.base62(r, 27);
        o.s(r#"\"","actor":{"callerType":"USER","email":""#);
        u.email(o);
        o.s(r#"","profileId":"10"#);
        o.pad(u.h % 10_000_000_000_000_000_000, 19);
        o.s(r#""},"ipAddress":""#);
        write_ip(o, ip);
        o.s(r#"","networkInfo":{"ipAsn":["#);
        o.u(u64::from(ISPS[u.isp].0));
        o.s(r#"],"regionCode":"#);
        o.q(geo.cc);
        o.s(r#","subdivisionCode":"#);
        o.q(geo.region);
        o.s(r#"},"events":["#);
        for (i, event) in events[..count].iter().enumerate() {
            if i > 0 {
                o.c(b',');
            }
            write_event(o, r, *event, &u, app, ns);
            summary.count(event.fate());
        }
        o.s("]}\n");
    }
}

fn param(o: &mut Out, name: &str, value: &str) {
    o.s(r#"{"name":""#);
    o.s(name);
    o.s(r#"","value":""#);
    o.s(value);
    o.s(r#""}"#);
}

fn write_event(o: &mut Out, r: &mut Rng, event: Event, u: &User, app: &App, ns: i64) {
    match event {
        Event::SamlSuccess | Event::SamlFailure => {
            o.s(r#"{"type":"login","name":"#);
            o.q(if event == Event::SamlSuccess {
                "login_success"
            } else {
                "login_failure"
            });
            o.s(r#","parameters":["#);
            param(o, "application_name", &app.name_json);
            if event == Event::SamlFailure {
                o.c(b',');
                param(o, "failure_type", "failure_app_not_configured_for_user");
            }
            o.c(b',');
            param(o, "initiated_by", if r.per_mille(700) { "sp" } else { "idp" });
            o.c(b',');
            param(
                o,
                "orgunit_path",
                ORG_UNITS[(u.h % ORG_UNITS.len() as u64) as usize],
            );
            if event == Event::SamlFailure {
                o.c(b',');
                param(o, "saml_second_level_status_code", "REQUEST_DENIED_URI");
                o.c(b',');
                param(o, "saml_status_code", "REQUESTER_URI");
            } else {
                o.c(b',');
                param(o, "saml_status_code", "SUCCESS_URI");
            }
            o.s("]}");
        }
        Event::Authorize | Event::Revoke => {
            let (scope, bucket) = *r.pick(SCOPES);
            o.s(r#"{"type":"auth","name":"#);
            o.q(if event == Event::Authorize {
                "authorize"
            } else {
                "revoke"
            });
            o.s(r#","parameters":["#);
            param(o, "client_id", &app.client_id);
            o.c(b',');
            param(o, "app_name", &app.name_json);
            o.c(b',');
            param(o, "client_type", "WEB");
            o.s(r#",{"name":"scope","multiValue":["https://www.googleapis.com/auth/userinfo.email","openid","#);
            o.q(scope);
            o.s("]}");
            if event == Event::Authorize {
                o.s(r#",{"name":"scope_data","multiMessageValue":[{"parameter":[{"name":"scope_name","value":""#);
                o.s(scope);
                o.s(r#""},{"name":"product_bucket","multiValue":[""#);
                o.s(bucket);
                o.s(r#""]}]}]}"#);
            }
            o.s("]}");
        }
        Event::Activity => {
            let (api, method, bucket) = *r.pick(APIS);
            o.s(r#"{"type":"auth","name":"activity","parameters":["#);
            param(o, "api_name", api);
            o.c(b',');
            param(o, "method_name", method);
            o.c(b',');
            param(o, "client_id", &app.client_id);
            // int64 values are strings in the real API.
            o.s(r#",{"name":"num_response_bytes","intValue":""#);
            o.u(100 + r.below(50_000));
            o.s(r#""},"#);
            param(o, "product_bucket", bucket);
            o.c(b',');
            param(o, "app_name", &app.name_json);
            o.c(b',');
            param(o, "client_type", "WEB");
            o.s("]}");
        }
        Event::LoginSuccess | Event::LoginFailure => {
            let saml = u.h % 10 < 3;
            o.s(r#"{"type":"login","name":"#);
            o.q(if event == Event::LoginSuccess {
                "login_success"
            } else {
                "login_failure"
            });
            o.s(r#","parameters":["#);
            param(o, "login_type", if saml { "saml" } else { "google_password" });
            o.s(r#",{"name":"login_challenge_method","multiValue":["#);
            o.q(if saml { "saml" } else { "password" });
            o.s("]}");
            if event == Event::LoginFailure {
                o.c(b',');
                param(o, "login_failure_type", "login_failure_invalid_password");
            }
            o.s(r#",{"name":"is_suspicious","boolValue":false},{"name":"is_second_factor","boolValue":false},{"name":"login_timestamp","intValue":""#);
            o.u((ns / 1000) as u64);
            o.s(r#""}]}"#);
        }
        Event::LoginChallenge => {
            o.s(r#"{"type":"login","name":"login_challenge","parameters":["#);
            param(o, "login_challenge_method", "password");
            o.c(b',');
            param(o, "login_challenge_status", "Challenge Passed");
            o.s(r#",{"name":"login_timestamp","intValue":""#);
            o.u((ns / 1000) as u64);
            o.s(r#""}]}"#);
        }
        Event::Logout => {
            o.s(r#"{"type":"logout","name":"logout","parameters":["#);
            param(o, "login_type", "google_password");
            o.s("]}");
        }
    }
}
