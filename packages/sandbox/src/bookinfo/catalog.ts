// The one book Bookinfo knows, and the fixed texts its services answer with (research 5.2-5.5).

export const PRODUCT_ID = 0;

export const PRODUCT = {
  id: PRODUCT_ID,
  title: "The Comedy of Errors",
  descriptionHtml:
    '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: ' +
    "an early comedy by <b>William Shakespeare</b>, and his shortest: two pairs of identical twins " +
    "separated at birth end up in the same town on the same day, and the mistaken identities that " +
    "follow drive a farce full of slapstick and wordplay.",
};

export const DETAILS = {
  author: "William Shakespeare",
  year: 1595,
  type: "paperback",
  pages: 200,
  publisher: "PublisherA",
  language: "English",
  "ISBN-10": "1234567890",
  "ISBN-13": "123-1234567890",
};

export const REVIEWS = [
  {
    reviewer: "Reviewer1",
    text: "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!",
  },
  {
    reviewer: "Reviewer2",
    text: "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.",
  },
] as const;

export const RATINGS: Readonly<Record<string, number>> = { Reviewer1: 5, Reviewer2: 4 };

export const TEXTS = {
  detailsUnavailable: "Sorry, product details are currently unavailable for this book.",
  reviewsUnavailable: "Sorry, product reviews are currently unavailable for this book.",
  ratingsUnavailable: "Sorry, product ratings are currently unavailable for this book.",
  ratingUnavailableInReview: "Ratings service is currently unavailable",
  detailsNumericId: "please provide numeric product id",
  ratingsNumericId: "please provide numeric product ID",
  ratingsDatabase: "could not connect to ratings database",
  productpageHealthy: "Product page is healthy",
};
