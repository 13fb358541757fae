//! A sign-in CSV as people and spreadsheets make them: a UTF-8 BOM, CRLF line ends, quoted commas and quotes,
//! dates in several shapes, and the odd row of empty cells.

use crate::out::Out;
use crate::rng::Rng;
use crate::world::{Clock, GEOS, World, random_ip, write_ip};
use crate::{Fate, GenSummary};

/// The header: names the CSV reader finds by its synonyms (and none that would make it an Entra download).
const HEADER: &str = "\u{feff}\"User Email\",Display Name,User ID,Application Name,App ID,Login Date,Event ID,IP Address,Location\r\n";
/// Offsets (minutes east of UTC) of timestamps written in local time.
const OFFSETS: &[i32] = &[60, -300, 330, 540, -480];

pub(crate) struct Csv {
    world: World,
    clock: Clock,
    rng: Rng,
}

impl Csv {
    pub(crate) fn new(world: World, clock: Clock, rng: Rng) -> Self {
        Csv { world, clock, rng }
    }

    pub(crate) fn header(&mut self, o: &mut Out) {
        o.s(HEADER);
    }

    pub(crate) fn record(&mut self, o: &mut Out, summary: &mut GenSummary) {
        let ns = self.clock.tick(&mut self.rng);
        let u = self.world.pick_user(&mut self.rng);
        let r = &mut self.rng;
        if r.per_mille(5) {
            // A spreadsheet artefact: a row of empty cells, read and filtered.
            o.s(",,,,,,,,\r\n");
            summary.count(Fate::Filtered);
            return;
        }
        let app = &self.world.apps[self.world.user_app(&u, r)];
        // Email, sometimes capitalised or with a stray leading space.
        match r.below(100) {
            0..3 => {
                o.c(b' ');
                u.email(o);
            }
            3..8 => {
                let start = o.buf.len();
                u.email(o);
                o.buf[start] = o.buf[start].to_ascii_uppercase();
            }
            _ => u.email(o),
        }
        o.c(b',');
        if r.per_mille(400) {
            o.c(b'"');
            o.s(u.last);
            o.s(", ");
            o.s(u.first);
            o.c(b'"');
        } else {
            u.name(o);
        }
        o.s(",u-");
        o.pad(u.index, 6);
        o.c(b',');
        o.s(&app.name_csv);
        o.c(b',');
        o.s(&app.okta_id);
        o.c(b',');
        match r.below(1000) {
            0..450 => o.iso(ns, 3, 0),
            450..550 => {
                let digits = 1 + r.below(3) as u32;
                o.iso(ns, digits, *r.pick(OFFSETS));
            }
            550..700 => o.space_time(ns),
            700..900 => o.us_time(ns),
            900..950 => o.i(ns.div_euclid(1_000_000_000)),
            _ => o.i(ns.div_euclid(1_000_000)),
        }
        o.c(b',');
        o.guid_rand(r);
        o.c(b',');
        let ip = if r.per_mille(800) { u.ip } else { random_ip(r) };
        write_ip(o, ip);
        let geo = &GEOS[u.geo];
        o.s(",\"");
        o.s(geo.city);
        o.s(", ");
        o.s(geo.state);
        o.s(", ");
        o.s(geo.cc);
        o.s("\"\r\n");
        summary.count(Fate::Usage);
    }
}
