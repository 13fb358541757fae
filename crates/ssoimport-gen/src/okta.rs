//! Okta System Log LogEvent objects, one per line, in the field order and shapes the System Log API writes
//! (and `gen_okta.py`, the reference generator, mirrors).

use crate::out::Out;
use crate::rng::{Rng, mix};
use crate::world::{Clock, GEOS, Geo, ISPS, SIGNON, World, random_ip, write_ip};
use crate::{Fate, GenSummary};

const FAIL_REASONS: &[&str] = &[
    "INVALID_CREDENTIALS",
    "VERIFICATION_ERROR",
    "Sign-on policy evaluation resulted in DENY",
    "User is not assigned to this application",
    "LOCKED_OUT",
    "MFA_ENROLL_REQUIRED",
];
const RISK: &[&str] = &["LOW", "LOW", "LOW", "MEDIUM", "HIGH"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Sso,
    SessionStart,
    Policy,
}

pub(crate) struct Okta {
    world: World,
    clock: Clock,
    rng: Rng,
    /// Sign-on policies: (policy id hash, rule id hash).
    policies: Vec<(u64, u64)>,
}

impl Okta {
    pub(crate) fn new(world: World, clock: Clock, mut rng: Rng) -> Self {
        let policies = (0..12).map(|_| (rng.next_u64(), rng.next_u64())).collect();
        Okta {
            world,
            clock,
            rng,
            policies,
        }
    }

    pub(crate) fn record(&mut self, o: &mut Out, summary: &mut GenSummary) {
        let ns = self.clock.tick(&mut self.rng);
        let u = self.world.pick_user(&mut self.rng);
        let r = &mut self.rng;
        let x = r.below(1000);
        let event = if x < 860 {
            Event::Sso
        } else if x < 940 {
            Event::SessionStart
        } else {
            Event::Policy
        };
        let fail = r.per_mille(if event == Event::Sso { 40 } else { 80 });
        let ip = if r.per_mille(800) { u.ip } else { random_ip(r) };
        let ua = &self.world.uas[u.ua];
        let geo = &GEOS[u.geo];
        let (asn, as_org, isp, domain) = ISPS[u.isp];

        o.s(r#"{"actor":{"id":"00u"#);
        o.base62_of(u.h, 17);
        o.s(r#"","type":"User","alternateId":""#);
        u.email(o);
        o.s(r#"","displayName":""#);
        u.name(o);
        o.s(r#"","detailEntry":null},"client":{"userAgent":{"rawUserAgent":""#);
        o.s(&ua.raw);
        o.s(r#"","os":""#);
        o.s(ua.os);
        o.s(r#"","browser":""#);
        o.s(ua.browser);
        o.s(r#""},"zone":"#);
        o.q(if r.per_mille(900) {
            "null"
        } else {
            "Corporate Network"
        });
        o.s(r#","device":"#);
        o.q(if ua.mobile { "Mobile" } else { "Computer" });
        o.s(r#","id":null,"ipAddress":""#);
        write_ip(o, ip);
        o.s(r#"","geographicalContext":"#);
        geo_context(o, geo);
        o.s(r#"},"device":null,"authenticationContext":{"authenticationProvider":"#);
        if event == Event::SessionStart {
            o.q("OKTA_AUTHENTICATION_PROVIDER");
        } else {
            o.s("null");
        }
        o.s(r#","credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"rootSessionId":"idx"#);
        o.base62(r, 22);
        o.s(r#"","externalSessionId":"102"#);
        o.base62(r, 22);
        o.s(r#""},"displayMessage":"#);
        o.q(match event {
            Event::Sso => "User single sign on to app",
            Event::SessionStart => "User login to Okta",
            Event::Policy => "Evaluation of sign-on policy",
        });
        o.s(r#","eventType":"#);
        o.q(match event {
            Event::Sso => "user.authentication.sso",
            Event::SessionStart => "user.session.start",
            Event::Policy => "policy.evaluate_sign_on",
        });
        o.s(r#","outcome":{"result":"#);
        if fail {
            o.s(if event == Event::Policy {
                r#""DENY","reason":"#
            } else {
                r#""FAILURE","reason":"#
            });
            let reason = *r.pick(FAIL_REASONS);
            o.q(reason);
        } else if event == Event::Policy {
            o.s(r#""ALLOW","reason":null"#);
        } else {
            o.s(r#""SUCCESS","reason":null"#);
        }
        o.s(r#"},"published":""#);
        o.iso(ns, 3, 0);
        o.s(r#"","securityContext":{"asNumber":"#);
        o.u(u64::from(asn));
        o.s(r#","asOrg":"#);
        o.q(as_org);
        o.s(r#","isp":"#);
        o.q(isp);
        o.s(r#","domain":"#);
        o.q(domain);
        o.s(r#","isProxy":false},"severity":"#);
        o.q(if fail { "WARN" } else { "INFO" });

        let request_id = r.next_u64();
        o.s(r#","debugContext":{"debugData":{"requestId":""#);
        o.base62_of(request_id, 27);
        o.s(r#"","dtHash":""#);
        for _ in 0..4 {
            o.hex(r.next_u64(), 16);
        }
        o.s(r#"","threatSuspected":"false","behaviors":"{New Geo-Location=NEGATIVE, New Device="#);
        o.s(if r.per_mille(333) { "POSITIVE" } else { "NEGATIVE" });
        o.s(", New IP=");
        o.s(if r.per_mille(500) { "POSITIVE" } else { "NEGATIVE" });
        o.s(r#", New State=NEGATIVE, New Country=NEGATIVE, Velocity=NEGATIVE, New City=NEGATIVE}","risk":"{level="#);
        let risk = *r.pick(RISK);
        o.s(risk);
        o.s("}\"");
        let app = match event {
            Event::Sso => Some(self.world.user_app(&u, r)),
            _ => None,
        };
        match (event, app) {
            (Event::Sso, Some(a)) => {
                let app = &self.world.apps[a];
                let (_, signon_name) = SIGNON[app.signon];
                if app.signon == 0 {
                    o.s(r#","requestUri":"/app/"#);
                    o.s(&app.label);
                    o.c(b'/');
                    o.s(&app.okta_id);
                    o.s(r#"/sso/saml","url":"/app/"#);
                    o.s(&app.label);
                    o.c(b'/');
                    o.s(&app.okta_id);
                    o.s("/sso/saml?SAMLRequest=");
                    o.base62(r, 48);
                    o.c(b'"');
                } else {
                    o.s(r#","requestUri":"/oauth2/v1/authorize","url":"/oauth2/v1/authorize?client_id="#);
                    o.s(&app.okta_id);
                    o.s("&response_type=code&scope=openid+profile+email&state=");
                    o.base62(r, 16);
                    o.c(b'"');
                }
                o.s(r#","initiationType":"#);
                o.q(if r.per_mille(500) {
                    "IDP_INITIATED"
                } else {
                    "SP_INITIATED"
                });
                o.s(r#","signOnMode":"#);
                o.q(signon_name);
                o.s(r#","authnRequestId":""#);
                o.base62(r, 20);
                o.c(b'"');
            }
            (Event::SessionStart, _) => {
                o.s(r#","requestUri":"/idp/idx/identify","url":"/idp/idx/identify?","deviceFingerprint":""#);
                o.hex(r.next_u64(), 16);
                o.hex(r.next_u64(), 16);
                o.c(b'"');
            }
            _ => {
                o.s(r#","requestUri":"/idp/idx/authenticate","url":"/idp/idx/authenticate?","logOnlySecurityData":"{\"risk\":{\"level\":\"LOW\"},\"behaviors\":{\"New Geo-Location\":\"NEGATIVE\"}}""#);
            }
        }
        o.s(r#"}},"legacyEventType":"#);
        match event {
            Event::Sso => o.q("app.auth.sso"),
            Event::SessionStart if fail => o.q("core.user_auth.login_failed"),
            Event::SessionStart => o.q("core.user_auth.login_success"),
            Event::Policy => o.s("null"),
        }
        o.s(r#","transaction":{"type":"WEB","id":""#);
        o.base62_of(request_id, 27);
        o.s(r#"","detail":{}},"uuid":""#);
        o.guid_rand(r);
        o.s(r#"","version":"0","request":{"ipChain":[{"ip":""#);
        write_ip(o, ip);
        o.s(r#"","geographicalContext":"#);
        geo_context(o, geo);
        o.s(r#","version":"V4","source":null}]},"target":"#);
        match (event, app) {
            (Event::Sso, Some(a)) => {
                let app = &self.world.apps[a];
                o.s(r#"[{"id":""#);
                o.s(&app.okta_id);
                o.s(r#"","type":"AppInstance","alternateId":""#);
                o.s(&app.label);
                o.s(r#"","displayName":""#);
                o.s(&app.name_json);
                o.s(r#"","detailEntry":{"signOnModeType":""#);
                o.s(SIGNON[app.signon].0);
                o.s(r#""}},{"id":"0ua"#);
                o.base62_of(mix(u.h, a as u64 + 1000), 17);
                o.s(r#"","type":"AppUser","alternateId":""#);
                u.email(o);
                o.s(r#"","displayName":""#);
                u.name(o);
                o.s(r#"","detailEntry":null}]"#);
            }
            (Event::Policy, _) => {
                let (policy, rule) = *r.pick(&self.policies);
                let n = policy % 12;
                o.s(r#"[{"id":"00p"#);
                o.base62_of(policy, 17);
                o.s(r#"","type":"PolicyEntity","alternateId":"unknown","displayName":"Policy "#);
                o.u(n);
                o.s(r#"","detailEntry":{"policyType":"OktaSignOn"}},{"id":"0pr"#);
                o.base62_of(rule, 17);
                o.s(r#"","type":"PolicyRule","alternateId":"unknown","displayName":"Rule "#);
                o.u(n);
                o.s(r#"","detailEntry":{"policyRuleFactorMode":"2FA","policyType":"OktaSignOn"}}]"#);
            }
            // Okta writes `null`, not `[]`, for an event without targets.
            _ => o.s("null"),
        }
        o.s("}\n");
        summary.count(if event == Event::Sso && !fail {
            Fate::Usage
        } else {
            Fate::Filtered
        });
    }
}

fn geo_context(o: &mut Out, geo: &Geo) {
    o.s(r#"{"city":"#);
    o.q(geo.city);
    o.s(r#","state":"#);
    o.q(geo.state);
    o.s(r#","country":"#);
    o.q(geo.country);
    o.s(r#","postalCode":"#);
    o.q(geo.postal);
    o.s(r#","geolocation":{"lat":"#);
    o.s(geo.lat);
    o.s(r#","lon":"#);
    o.s(geo.lon);
    o.s("}}");
}
