//! Microsoft Entra ID sign-ins: Graph `signIn` objects, one per line (the beta shape, with a share in the v1.0
//! shape that has no `signInEventTypes`).

use crate::out::Out;
use crate::rng::{Rng, mix};
use crate::world::{Clock, GEOS, World, random_ip, write_ip};
use crate::{Fate, GenSummary};

/// First-party resources a token is often for: (display name, app id).
const RESOURCES: &[(&str, &str)] = &[
    ("Microsoft Graph", "00000003-0000-0000-c000-000000000000"),
    (
        "Windows Azure Active Directory",
        "00000002-0000-0000-c000-000000000000",
    ),
    (
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
    ),
    (
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
    ),
    (
        "Windows Azure Service Management API",
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
    ),
];

/// Sign-in error codes and their failure reasons, as Graph writes them.
const FAILURES: &[(u32, &str)] = &[
    (
        50126,
        "Error validating credentials due to invalid username or password.",
    ),
    (
        50140,
        "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
    ),
    (50074, "Strong Authentication is required."),
    (
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'.",
    ),
    (
        53003,
        "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
    ),
    (
        700016,
        "Application with identifier '{appIdentifier}' was not found in the directory '{tenantName}'.",
    ),
    (
        65001,
        "The user or administrator has not consented to use the application with ID '{identifier}'.",
    ),
];

/// Offsets (minutes east of UTC) seen on timestamps copied through Azure Monitor.
const OFFSETS: &[i32] = &[-300, -480, -240, 60, 330];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Interactive,
    NonInteractive,
    ServicePrincipal,
    ManagedIdentity,
}

pub(crate) struct Entra {
    world: World,
    clock: Clock,
    rng: Rng,
    /// The tenant's id (a hash, written as a GUID).
    tenant: u64,
    /// Conditional Access policies' ids.
    policies: [u64; 2],
}

impl Entra {
    pub(crate) fn new(world: World, clock: Clock, mut rng: Rng) -> Self {
        let tenant = rng.next_u64();
        let policies = [rng.next_u64(), rng.next_u64()];
        Entra {
            world,
            clock,
            rng,
            tenant,
            policies,
        }
    }

    pub(crate) fn record(&mut self, o: &mut Out, summary: &mut GenSummary) {
        let ns = self.clock.tick(&mut self.rng);
        let u = self.world.pick_user(&mut self.rng);
        let r = &mut self.rng;
        let x = r.below(1000);
        let kind = if x < 300 {
            Kind::Interactive
        } else if x < 900 {
            Kind::NonInteractive
        } else if x < 970 {
            Kind::ServicePrincipal
        } else {
            Kind::ManagedIdentity
        };
        let user = matches!(kind, Kind::Interactive | Kind::NonInteractive);
        let failure = r.per_mille(50).then(|| *r.pick(FAILURES));
        // The v1.0 shape has no signInEventTypes: interactivity is told by isInteractive alone.
        let beta = !user || r.per_mille(800);
        let guid_upn = kind == Kind::NonInteractive && r.per_mille(5);
        let app = if user {
            self.world.user_app(&u, r)
        } else {
            self.world.app_of(r.next_u64())
        };
        let app = &self.world.apps[app];
        let ua = &self.world.uas[u.ua];
        let geo = &GEOS[u.geo];
        let ip = if r.per_mille(850) { u.ip } else { random_ip(r) };

        o.s(r#"{"id":""#);
        o.guid_rand(r);
        o.s(r#"","createdDateTime":""#);
        let style = r.below(1000);
        if style < 600 {
            o.iso(ns, 7, 0);
        } else if style < 750 {
            o.iso(ns, 0, 0);
        } else if style < 900 {
            o.iso(ns, 3, 0);
        } else {
            o.iso(ns, 7, *r.pick(OFFSETS));
        }
        if user {
            o.s(r#"","userDisplayName":""#);
            u.name(o);
            o.s(r#"","userPrincipalName":""#);
            if guid_upn {
                o.guid(mix(u.h, 11), mix(u.h, 12));
            } else {
                u.upn(o);
            }
            o.s(r#"","userId":""#);
            o.guid(mix(u.h, 11), mix(u.h, 12));
        } else {
            o.s(r#"","userDisplayName":"","userPrincipalName":"","userId":""#);
        }
        o.s(r#"","appId":""#);
        o.s(&app.guid);
        o.s(r#"","appDisplayName":""#);
        o.s(&app.name_json);
        o.s(r#"","ipAddress":""#);
        write_ip(o, ip);
        o.s(r#"","clientAppUsed":"#);
        o.q(match kind {
            Kind::Interactive if !ua.mobile && r.per_mille(850) => "Browser",
            Kind::Interactive | Kind::NonInteractive => "Mobile Apps and Desktop clients",
            _ => "",
        });
        o.s(r#","userAgent":"#);
        o.q(if user { &ua.raw } else { "" });
        o.s(r#","correlationId":""#);
        o.guid_rand(r);
        o.s(r#"","conditionalAccessStatus":"#);
        let ca_failed = failure.is_some_and(|(code, _)| code == 53003);
        let ca = if ca_failed {
            "failure"
        } else if user && r.per_mille(400) {
            "success"
        } else {
            "notApplied"
        };
        o.q(ca);
        o.s(r#","originalRequestId":""#);
        o.guid_rand(r);
        o.s(r#"","isInteractive":"#);
        o.s(if kind == Kind::Interactive {
            "true"
        } else {
            "false"
        });
        o.s(r#","tokenIssuerName":"","tokenIssuerType":"AzureAD","processingTimeInMilliseconds":"#);
        o.u(20 + r.below(400));
        o.s(r#","riskDetail":"none","riskLevelAggregated":"none","riskLevelDuringSignIn":"none","riskState":"none","riskEventTypes":[],"riskEventTypes_v2":[],"resourceDisplayName":""#);
        if r.per_mille(500) {
            o.s(&app.name_json);
            o.s(r#"","resourceId":""#);
            o.s(&app.guid);
        } else {
            let (name, id) = *r.pick(RESOURCES);
            o.s(name);
            o.s(r#"","resourceId":""#);
            o.s(id);
        }
        o.s(r#"","resourceTenantId":""#);
        o.guid(self.tenant, mix(self.tenant, 1));
        o.s(r#"","homeTenantId":""#);
        o.guid(self.tenant, mix(self.tenant, 1));
        o.s(r#"","authenticationRequirement":"#);
        o.q(if kind == Kind::Interactive && r.per_mille(300) {
            "multiFactorAuthentication"
        } else {
            "singleFactorAuthentication"
        });
        if beta {
            o.s(r#","signInEventTypes":["#);
            o.q(match kind {
                Kind::Interactive => "interactiveUser",
                Kind::NonInteractive => "nonInteractiveUser",
                Kind::ServicePrincipal => "servicePrincipal",
                Kind::ManagedIdentity => "managedIdentity",
            });
            o.s(r#"],"servicePrincipalId":""#);
            if !user {
                let h = rng_of(&app.guid);
                o.guid(h, mix(h, self.tenant));
            }
            o.s(r#"","servicePrincipalName":""#);
            if kind == Kind::ManagedIdentity {
                o.s("mi-");
                o.s(&app.label);
            } else if kind == Kind::ServicePrincipal {
                o.s(&app.name_json);
            }
            o.s(r#"","userType":"#);
            o.q(if !user {
                ""
            } else if u.domain.starts_with("contractors") {
                "guest"
            } else {
                "member"
            });
            let token = r.next_u64();
            o.s(r#","uniqueTokenIdentifier":""#);
            o.base62_of(token, 22);
            o.s(r#"","incomingTokenType":"none","authenticationProtocol":"none","crossTenantAccessType":"none","flaggedForReview":false"#);
            // Graph beta's own docs example repeats keys: readers must take the last.
            if r.per_mille(10) {
                o.s(r#","uniqueTokenIdentifier":""#);
                o.base62_of(token, 22);
                o.c(b'"');
            }
        }
        o.s(r#","status":{"errorCode":"#);
        match failure {
            Some((code, reason)) => {
                o.u(u64::from(code));
                o.s(r#","failureReason":"#);
                o.q(reason);
                o.s(r#","additionalDetails":"The user didn't complete the sign-in.""#);
            }
            None => o.s(r#"0,"failureReason":"Other.","additionalDetails":null"#),
        }
        o.s(r#"},"deviceDetail":{"deviceId":""#);
        let managed = user && mix(u.h, 20).is_multiple_of(3);
        if managed {
            o.guid(mix(u.h, 21), mix(u.h, 22));
        }
        o.s(r#"","displayName":""#);
        if managed {
            o.s("LAPTOP-");
            o.base62_of(mix(u.h, 23), 7);
        }
        o.s(r#"","operatingSystem":"#);
        o.q(if user { ua.entra_os } else { "" });
        o.s(r#","browser":"#);
        o.q(if user { &ua.entra_browser } else { "" });
        o.s(r#","isCompliant":"#);
        o.s(if managed { "true" } else { "false" });
        o.s(r#","isManaged":"#);
        o.s(if managed { "true" } else { "false" });
        o.s(r#","trustType":"#);
        o.q(if managed { "Azure AD joined" } else { "" });
        o.s(r#"},"location":{"city":"#);
        o.q(geo.city);
        o.s(r#","state":"#);
        o.q(geo.state);
        o.s(r#","countryOrRegion":"#);
        o.q(geo.cc);
        if r.per_mille(100) {
            o.s(r#","geoCoordinates":{}}"#);
        } else {
            o.s(r#","geoCoordinates":{"altitude":null,"latitude":"#);
            o.s(geo.lat);
            o.s(r#","longitude":"#);
            o.s(geo.lon);
            o.s("}}");
        }
        o.s(r#","appliedConditionalAccessPolicies":["#);
        for (i, policy) in self.policies.iter().enumerate() {
            if i > 0 {
                o.c(b',');
            }
            o.s(r#"{"id":""#);
            o.guid(*policy, mix(*policy, 1));
            o.s(r#"","displayName":"#);
            o.q(if i == 0 {
                "Require MFA for all users"
            } else {
                "Block legacy authentication"
            });
            o.s(r#","enforcedGrantControls":["#);
            o.q(if i == 0 { "Mfa" } else { "Block" });
            o.s(r#"],"enforcedSessionControls":[],"result":"#);
            o.q(match (i, ca) {
                (0, "failure") => "failure",
                (0, "success") => "success",
                (0, _) => "notApplied",
                _ => "notEnabled",
            });
            o.c(b'}');
        }
        o.c(b']');
        if beta && kind == Kind::Interactive {
            o.s(r#","authenticationDetails":[{"authenticationStepDateTime":""#);
            o.iso(ns, 0, 0);
            o.s(r#"","authenticationMethod":"Password","authenticationMethodDetail":"Password Hash Sync","succeeded":"#);
            o.s(if failure.is_some() { "false" } else { "true" });
            o.s(r#","authenticationStepResultDetail":"#);
            o.q(if failure.is_some() {
                "Invalid username or password or Invalid on-premise username or password."
            } else {
                "Correct password"
            });
            o.s(r#","authenticationStepRequirement":"Primary authentication"}]"#);
        }
        o.s("}\n");
        summary.count(match (user, failure, guid_upn) {
            (true, None, false) => Fate::Usage,
            (true, None, true) => Fate::Rejected,
            _ => Fate::Filtered,
        });
    }
}

/// A number from a string (to derive a service principal's object id from its app id).
fn rng_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
