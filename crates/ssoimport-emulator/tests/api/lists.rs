//! Listing with filter, orderBy and pagination, and the cap on running jobs.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use ssoimport_emulator::{EmulatorConfig, JobTiming, start};

use crate::support::*;

const LIST_JOBS: &str = "/saas/v1/orgs/{orgId}/import-jobs";
const LIST_DATA: &str = "/saas/v1/orgs/{orgId}/saas-data";

fn ids(list: &Value) -> Vec<String> {
    list["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every job matching `filter`, oldest first, following `nextPage`.
async fn filtered(api: &Api, filter: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rel = format!(
        "/import-jobs?filter={}&orderBy={}",
        enc(filter),
        enc("createdAt asc")
    );
    loop {
        let page = api.get_json(&rel, LIST_JOBS).await;
        out.extend(ids(&page));
        match page["nextPage"].as_str() {
            Some(next) => rel = next.strip_prefix("/saas/v1/orgs/1").unwrap().to_string(),
            None => return out,
        }
    }
}

#[tokio::test]
async fn jobs_can_be_filtered_ordered_and_paged() {
    let config = EmulatorConfig {
        page_size: 2,
        job_timing: JobTiming {
            pickup_delay: Duration::ZERO,
            run_time: Duration::from_millis(1),
        },
        ..EmulatorConfig::default()
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    let mut jobs = Vec::new();
    for n in 0..5 {
        let name = format!("u{n}.jsonl.gz");
        api.file(&name, &[usage_row(n)]).await;
        let body = {
            let mut b = Api::job_body(&[&name], "SsoApplicationUsage", "incremental");
            b["managedAppId"] = serde_json::json!(if n % 2 == 0 { "aa" } else { "bb" });
            b
        };
        let response = api.post("/import-jobs", &body).await;
        jobs.push(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string(),
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for id in &jobs {
        api.wait_job(id).await;
    }
    let all: Vec<Value> = {
        let mut out = Vec::new();
        for id in &jobs {
            out.push(
                api.get_json(
                    &format!("/import-jobs/{id}"),
                    "/saas/v1/orgs/{orgId}/import-jobs/{id}",
                )
                .await,
            );
        }
        out
    };

    // Pagination: follow nextPage until it is absent; every job exactly once, in the requested order.
    let mut seen = Vec::new();
    let mut next = Some(format!(
        "/saas/v1/orgs/1/import-jobs?orderBy={}",
        enc("createdAt asc")
    ));
    let mut pages = 0;
    while let Some(url) = next {
        let rel = url.strip_prefix("/saas/v1/orgs/1").unwrap();
        let page = api.get_json(rel, LIST_JOBS).await;
        assert!(page["values"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page));
        next = page["nextPage"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, jobs);

    // orderBy.
    let desc = ids(&api
        .get_json(
            &format!("/import-jobs?orderBy={}", enc("createdAt desc")),
            LIST_JOBS,
        )
        .await);
    assert_eq!(desc, [jobs[4].clone(), jobs[3].clone()]);
    for order in ["startedAt", "finishedAt asc", "completedAt desc", "failedAt"] {
        api.get_json(&format!("/import-jobs?orderBy={}", enc(order)), LIST_JOBS)
            .await;
    }
    // Default order (completedAt desc): the last to finish comes first.
    let default = ids(&api.get_json("/import-jobs", LIST_JOBS).await);
    assert_eq!(default[0], jobs[4]);
    for bad in ["status desc", "createdAt up", "name"] {
        let response = api.get(&format!("/import-jobs?orderBy={}", enc(bad))).await;
        expect_error(response, 400, "invalid_orderby").await;
    }

    // Filters.
    assert_eq!(
        filtered(&api, "sourceHref eq 'saas/v1/orgs/1/managed-apps/aa'").await,
        [jobs[0].clone(), jobs[2].clone(), jobs[4].clone()]
    );
    assert_eq!(
        filtered(
            &api,
            "status eq 'completed' and sourceHref eq 'saas/v1/orgs/1/managed-apps/bb'"
        )
        .await,
        [jobs[1].clone(), jobs[3].clone()]
    );
    assert!(filtered(&api, "status eq 'running'").await.is_empty());
    let third_created = all[2]["createdAt"].as_str().unwrap();
    assert_eq!(
        filtered(&api, &format!("createdAt ge '{third_created}'")).await,
        jobs[2..].to_vec()
    );
    assert_eq!(
        filtered(&api, &format!("createdAt lt '{third_created}'")).await,
        jobs[..2].to_vec()
    );
    let second_finished = all[1]["finishedAt"].as_str().unwrap();
    assert_eq!(
        filtered(&api, &format!("finishedAt le '{second_finished}'")).await,
        jobs[..2].to_vec()
    );
    assert_eq!(
        filtered(&api, &format!("completedAt le '{second_finished}'")).await,
        jobs[..2].to_vec()
    );
    assert_eq!(
        filtered(&api, &format!("startedAt gt '{second_finished}'"))
            .await
            .len(),
        3
    );
    assert_eq!(
        filtered(
            &api,
            "createdAt gt '2000-01-01T00:00:00Z' and status eq 'completed'"
        )
        .await
        .len(),
        5
    );
    for bad in [
        "status eq completed",
        "color eq 'red'",
        "createdAt gt 'soon'",
        "status eq 'a' or status eq 'b'",
    ] {
        let response = api.get(&format!("/import-jobs?filter={}", enc(bad))).await;
        expect_error(response, 400, "invalid_filter").await;
    }
    // A filtered listing pages with its filter kept in the token.
    let page = api
        .get_json(
            &format!(
                "/import-jobs?filter={}",
                enc("sourceHref eq 'saas/v1/orgs/1/managed-apps/aa'")
            ),
            LIST_JOBS,
        )
        .await;
    let next = page["nextPage"]
        .as_str()
        .unwrap()
        .strip_prefix("/saas/v1/orgs/1")
        .unwrap()
        .to_string();
    assert_eq!(ids(&api.get_json(&next, LIST_JOBS).await).len(), 1);
    expect_error(
        api.get("/import-jobs?skipToken=bm9wZQ%3D%3D").await,
        400,
        "bad_request",
    )
    .await;

    // Other orgs see nothing.
    let other = Api::connect(emulator.base_url(), 2).await;
    assert!(ids(&other.get_json("/import-jobs", LIST_JOBS).await).is_empty());
}

#[tokio::test]
async fn saas_data_lists_count_order_and_page() {
    let config = EmulatorConfig {
        page_size: 3,
        ..fast_config()
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    let mut made = Vec::new();
    for n in 0..4 {
        made.push(api.create_ok(&format!("d{n}")).await);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    api.upload(&made[0], &[usage_row(0)]).await;

    let asc = api
        .get_json(&format!("/saas-data?orderBy={}", enc("createdAt asc")), LIST_DATA)
        .await;
    assert_eq!(asc["count"], 4);
    assert_eq!(ids(&asc), made[..3]);
    let next = asc["nextPage"]
        .as_str()
        .unwrap()
        .strip_prefix("/saas/v1/orgs/1")
        .unwrap()
        .to_string();
    let rest = api.get_json(&next, LIST_DATA).await;
    assert_eq!(ids(&rest), made[3..]);
    assert!(rest.get("nextPage").is_none());

    let modified = api
        .get_json(
            &format!("/saas-data?orderBy={}", enc("modifiedAt desc")),
            LIST_DATA,
        )
        .await;
    assert_eq!(
        ids(&modified)[0],
        made[0],
        "the uploaded object was modified last"
    );
    let default = api.get_json("/saas-data", LIST_DATA).await;
    assert_eq!(ids(&default)[0], made[3], "newest first by default");
    expect_error(
        api.get(&format!("/saas-data?orderBy={}", enc("completedAt desc")))
            .await,
        400,
        "invalid_orderby",
    )
    .await;
}

#[tokio::test]
async fn no_more_than_the_cap_of_jobs_run_at_once() {
    let config = EmulatorConfig {
        max_running_jobs: 2,
        job_timing: JobTiming {
            pickup_delay: Duration::ZERO,
            run_time: Duration::from_millis(250),
        },
        ..EmulatorConfig::default()
    };
    let emulator = start(config).await.unwrap();
    let api = Api::of(&emulator).await;
    api.file("u.jsonl.gz", &[usage_row(0)]).await;
    let mut jobs = Vec::new();
    for _ in 0..5 {
        jobs.push(
            api.job(&["u.jsonl.gz"], "SsoApplicationUsage", "incremental")
                .await,
        );
    }
    // Another org has its own slots.
    let other = Api::connect(emulator.base_url(), 2).await;
    other.file("u.jsonl.gz", &[usage_row(0)]).await;
    let other_job = other
        .job(&["u.jsonl.gz"], "SsoApplicationUsage", "incremental")
        .await;

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut saw_waiting = false;
    loop {
        let state = emulator.state();
        let mine: Vec<&Value> = state["importJobs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["org"] == 1)
            .collect();
        let running = mine.iter().filter(|j| j["status"] == "running").count();
        assert!(running <= 2, "{running} running at once");
        saw_waiting |= running == 2 && mine.iter().any(|j| j["status"] == "ready");
        if mine.iter().all(|j| j["status"] == "completed") {
            break;
        }
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(saw_waiting, "jobs waited in ready while two ran");
    assert_eq!(api.wait_job(&jobs[4]).await["status"], "completed");
    assert_eq!(other.wait_job(&other_job).await["status"], "completed");

    // From the timestamps: never more than two [startedAt, finishedAt) intervals overlap, and jobs start in
    // creation order.
    let mut intervals = Vec::new();
    for id in &jobs {
        let job = api.wait_job(id).await;
        intervals.push((
            job["startedAt"].as_str().unwrap().to_string(),
            job["finishedAt"].as_str().unwrap().to_string(),
        ));
    }
    let starts: Vec<&String> = intervals.iter().map(|(s, _)| s).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    for (start, _) in &intervals {
        let overlapping = intervals.iter().filter(|(s, f)| s <= start && start < f).count();
        assert!(overlapping <= 2, "{intervals:?}");
    }
    let distinct: HashSet<&String> = starts.iter().copied().collect();
    assert!(
        distinct.len() >= 3,
        "later jobs started when earlier ones finished: {intervals:?}"
    );
}
